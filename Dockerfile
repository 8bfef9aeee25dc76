# escucha: multi-stage build of a static binary on distroless, as non-root.
# Build:  docker build -t escucha .
# Demo:   docker run --rm -p 8080:8080 -p 4222:4222 -v escucha-data:/data escucha run --demo
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/escucha/escucha.Version=${VERSION}" \
      -o /out/escucha ./cmd/escucha \
 && mkdir -p /out/data

# distroless/static has CA certificates and tzdata; the binary also embeds
# tzdata. "nonroot" is uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/escucha /usr/local/bin/escucha
COPY --from=build --chown=65532:65532 /out/data /data
ENV ESCUCHA_DATA_DIR=/data \
    ESCUCHA_HTTP_ADDR=0.0.0.0:8080 \
    ESCUCHA_NATS_EMBEDDED_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8080 4222 9222
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/escucha"]
CMD ["run", "--demo"]
