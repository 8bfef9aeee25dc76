package mobile

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/notifier"
)

// actionTimeout bounds one action taken through a signed link.
const actionTimeout = 10 * time.Second

// actionTexts are the texts of the action pages, by language.
var actionTexts = map[string]map[string]string{
	"es": {
		"ack": "Marcar como visto", "responded": "Marcar como respondido", "resolved": "Marcar como resuelto", "snooze": "Posponer",
		"confirm": "¿Confirmas esta acción sobre la alerta?", "done": "Hecho: la alerta queda marcada.",
		"invalid": "Este enlace no es válido.", "expired": "Este enlace ha caducado. Abre la alerta en la página móvil.",
		"notfound": "Esta alerta ya no existe.", "failed": "No se pudo guardar la acción; inténtalo de nuevo.",
		"refused": "La acción no se aceptó.", "open": "Abrir la página de alertas",
	},
	"en": {
		"ack": "Mark as seen", "responded": "Mark as responded", "resolved": "Mark as resolved", "snooze": "Snooze",
		"confirm": "Confirm this action on the alert?", "done": "Done: the alert is marked.",
		"invalid": "This link is not valid.", "expired": "This link has expired. Open the alert on the mobile page.",
		"notfound": "This alert no longer exists.", "failed": "The action could not be saved; try again.",
		"refused": "The action was not accepted.", "open": "Open the alerts page",
	},
}

var actionPage = template.Must(template.New("action").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>escucha</title><link rel="stylesheet" href="/m/style.css"></head>
<body class="action-page"><main>
<h1>escucha</h1>
{{if .Title}}<p class="alert-title">{{.Title}}</p>{{end}}
<p class="message {{.Class}}" id="message">{{.Message}}</p>
{{if .Confirm}}<form method="post"><button type="submit" class="primary" id="confirm">{{.Button}}</button></form>{{end}}
<p><a href="/m/">{{.Open}}</a></p>
</main></body></html>
`))

type actionView struct {
	Lang, Title, Message, Class, Button, Open string
	Confirm                                   bool
}

// verify checks the token of /a/{token} and returns it with the language
// of the alert's recipient. A refused token has been answered already.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) (notifier.ActionToken, string, bool) {
	tok, err := notifier.VerifyActionToken(h.opts.ActionKey, r.PathValue("token"), h.opts.Now())
	lang := h.opts.Config.Language
	if tok.AlertID != "" {
		if _, rc, _, ok := escucha.SplitAlertID(tok.AlertID); ok {
			lang = h.recipientLang(rc)
		}
	}
	if lang != "en" {
		lang = "es"
	}
	switch {
	case errors.Is(err, notifier.ErrTokenExpired):
		h.renderAction(w, http.StatusGone, lang, "", "expired", "error")
		return tok, lang, false
	case err != nil:
		h.renderAction(w, http.StatusForbidden, lang, "", "invalid", "error")
		return tok, lang, false
	}
	return tok, lang, true
}

// confirmAction shows what the link will do and a button that POSTs it:
// a GET (a link preview, a prefetch) never changes anything.
func (h *Handler) confirmAction(w http.ResponseWriter, r *http.Request) {
	tok, lang, ok := h.verify(w, r)
	if !ok {
		return
	}
	t := actionTexts[lang]
	title := ""
	if rec, err := h.opts.Store.Alert(r.Context(), tok.AlertID); err == nil {
		title = rec.Title
	} else if errors.Is(err, escucha.ErrNotFound) {
		h.renderAction(w, http.StatusNotFound, lang, "", "notfound", "error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = actionPage.Execute(w, actionView{Lang: lang, Title: title, Message: t["confirm"], Button: t[string(tok.Action)], Open: t["open"], Confirm: true})
}

// takeAction acts on the alert named by the token (ntfy's http button,
// or the confirmation page's form).
func (h *Handler) takeAction(w http.ResponseWriter, r *http.Request) {
	tok, lang, ok := h.verify(w, r)
	if !ok {
		return
	}
	_, recipient, _, _ := escucha.SplitAlertID(tok.AlertID)
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	err := h.opts.Act(ctx, escucha.Action{AlertID: tok.AlertID, Action: tok.Action, At: h.opts.Now().UTC(), By: recipient, Note: "signed link"})
	switch {
	case err == nil:
		h.log.Info("action taken through a signed link", "alert_id", tok.AlertID, "action", tok.Action, "by", recipient)
		h.renderAction(w, http.StatusOK, lang, "", "done", "ok")
	case errors.Is(err, escucha.ErrNotFound):
		h.renderAction(w, http.StatusNotFound, lang, "", "notfound", "error")
	case errors.Is(err, escucha.ErrInvalidAction):
		h.renderAction(w, http.StatusConflict, lang, "", "refused", "error")
	default:
		h.log.Error("signed link action failed", "alert_id", tok.AlertID, "action", tok.Action, "err", err)
		h.renderAction(w, http.StatusServiceUnavailable, lang, "", "failed", "error")
	}
}

func (h *Handler) renderAction(w http.ResponseWriter, code int, lang, title, key, class string) {
	t := actionTexts[lang]
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = actionPage.Execute(w, actionView{Lang: lang, Title: title, Message: t[key], Class: class, Open: t["open"]})
}
