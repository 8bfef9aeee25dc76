package config

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel causes of validation errors.
var (
	// ErrRequired is the cause when a required key has no value.
	ErrRequired = errors.New("is required")
	// ErrUnknownKey is the cause when the file names a key escucha does not know.
	ErrUnknownKey = errors.New("unknown key")
	// ErrWrongType is the cause when a value has the wrong type.
	ErrWrongType = errors.New("wrong type")
	// ErrInvalid is the cause when a value is outside what the key accepts.
	ErrInvalid = errors.New("invalid value")
)

// Error is one problem with one configuration key. Key is the dotted path
// with list indexes, for example "sources[1].interval".
type Error struct {
	Key string
	// Value is the offending value, if any; secrets are never put here.
	Value any
	Err   error
	// Hint tells the operator how to fix it.
	Hint string
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Key)
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Value != nil {
		if s, ok := e.Value.(string); !ok || s != "" {
			fmt.Fprintf(&b, " (got %v)", e.Value)
		}
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors returns every *Error inside err (which may be joined), in order.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ce, ok := e.(*Error); ok {
			out = append(out, ce)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}
