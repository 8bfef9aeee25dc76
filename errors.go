package escucha

import "errors"

// Sentinel errors shared by the packages of escucha.
var (
	// ErrNotFound is returned when a mention, alert or cursor does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited is returned by a source when the API's rate-limit window
	// is exhausted; the caller waits until the window resets.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnauthorized is returned by a source when its credentials are refused.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrQuota is returned by a source when a usage cap or paid credits are
	// exhausted; an operator must act, so it is not retried every cycle.
	ErrQuota = errors.New("usage quota exhausted")
	// ErrInvalidAction is returned for an action that is unknown or names an
	// alert the caller may not act on.
	ErrInvalidAction = errors.New("invalid action")
)
