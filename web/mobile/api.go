package mobile

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/notifier"
	"github.com/escucha/escucha/store"
)

// Me is the answer of GET /m/api/me: who is logged in and how the page
// reaches NATS.
type Me struct {
	Recipient string `json:"recipient"`
	Name      string `json:"name"`
	Lang      string `json:"lang"`
	// WebsocketURL is the NATS WebSocket listener ("" when there is none).
	WebsocketURL string `json:"websocket_url"`
	// AlertsSubject is <prefix>.alerts.<recipient>, ActionsSubject
	// <prefix>.actions.<recipient>.
	AlertsSubject  string `json:"alerts_subject"`
	ActionsSubject string `json:"actions_subject"`
	// InboxPrefix is the only reply inbox the recipient's NATS user may use.
	InboxPrefix string `json:"inbox_prefix"`
	// VAPIDPublicKey is set when Web Push is available.
	VAPIDPublicKey string `json:"vapid_public_key,omitempty"`
}

// AlertView is one alert as the page lists it.
type AlertView struct {
	escucha.Alert
	AckedAt time.Time `json:"acked_at,omitzero"`
	// Actions are the kinds of the actions taken so far, oldest first.
	Actions []escucha.ActionKind `json:"actions,omitempty"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, id string) {
	rc := h.opts.Config.Recipients[id]
	name := rc.Name
	if name == "" {
		name = id
	}
	writeJSON(w, http.StatusOK, Me{
		Recipient:      id,
		Name:           name,
		Lang:           h.recipientLang(id),
		WebsocketURL:   h.websocketURL(r),
		AlertsSubject:  h.prefix + ".alerts." + id,
		ActionsSubject: h.prefix + ".actions." + id,
		InboxPrefix:    notifier.InboxPrefix(id),
		VAPIDPublicKey: h.opts.VAPIDPublicKey,
	})
}

// alerts replays the recipient's most recent alerts with their state.
func (h *Handler) alerts(w http.ResponseWriter, r *http.Request, id string) {
	recs, err := h.opts.Store.Alerts(r.Context(), store.AlertQuery{Recipient: id, Limit: replayLimit})
	if err != nil {
		h.log.Error("list alerts for the mobile page", "recipient", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "could not read alerts; try again"})
		return
	}
	out := make([]AlertView, 0, len(recs))
	for _, rec := range recs {
		v := AlertView{Alert: rec.Alert, AckedAt: rec.AckedAt}
		for _, a := range rec.Actions {
			v.Actions = append(v.Actions, a.Action)
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

// subscribe stores the browser's PushSubscription.toJSON().
func (h *Handler) subscribe(w http.ResponseWriter, r *http.Request, id string) {
	if h.opts.VAPIDPublicKey == "" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "web push is not enabled"})
		return
	}
	var sub store.PushSubscription
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&sub); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid subscription JSON"})
		return
	}
	sub.Recipient = id
	sub.CreatedAt = h.opts.Now().UTC()
	if err := h.opts.Store.SavePushSubscription(r.Context(), sub); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		h.log.Error("save push subscription", "recipient", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "could not save the subscription; try again"})
		return
	}
	h.log.Info("web push subscription saved", "recipient", id)
	writeJSON(w, http.StatusCreated, map[string]any{"ok": true})
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request, id string) {
	var sub struct {
		Endpoint string `json:"endpoint"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&sub); err != nil || sub.Endpoint == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "endpoint is required"})
		return
	}
	if err := h.opts.Store.DeletePushSubscription(r.Context(), id, sub.Endpoint); err != nil {
		h.log.Error("delete push subscription", "recipient", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "could not remove the subscription; try again"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
