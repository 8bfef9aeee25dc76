package listener

import (
	"errors"

	"github.com/escucha/escucha/config"
)

func newX(_ config.Config, _ config.Source, _ BuildOptions) (Source, error) {
	return nil, errors.New("x source: not implemented yet")
}
