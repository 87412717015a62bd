//go:build !linux

package probe

import "errors"

var errESRCH = errors.New("no such process")
