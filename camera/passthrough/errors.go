package passthrough

import "errors"

var (
	// ErrNoStartCode is returned when an H.264 stream does not begin with an
	// Annex-B start code (00 00 01 or 00 00 00 01).
	ErrNoStartCode = errors.New("no Annex-B start code at the start of the stream")

	// ErrNALTooLarge is returned when a NAL unit exceeds the reader's size limit.
	ErrNALTooLarge = errors.New("NAL unit too large")

	// ErrAccessUnitTooLarge is returned when an access unit holds more NAL units
	// or bytes than the assembler allows.
	ErrAccessUnitTooLarge = errors.New("access unit too large")

	// ErrInvalidNAL is returned for a NAL unit that cannot be valid, e.g. an empty
	// one or one with forbidden_zero_bit set.
	ErrInvalidNAL = errors.New("invalid NAL unit")

	// ErrInvalidSPS is returned when a sequence parameter set cannot be parsed.
	ErrInvalidSPS = errors.New("invalid sequence parameter set")

	// ErrInvalidIVF is returned for a file that is not a valid IVF stream.
	ErrInvalidIVF = errors.New("invalid IVF stream")

	// ErrUnsupportedFile is returned by NewFile for a clip it cannot play.
	ErrUnsupportedFile = errors.New("unsupported clip")

	// ErrEmptyClip is returned when a clip holds no frame.
	ErrEmptyClip = errors.New("clip holds no frame")

	// ErrChildExited is returned when the camera helper process (rpicam-vid)
	// ends on its own; the error text carries its last stderr lines.
	ErrChildExited = errors.New("camera process exited")

	// ErrInvalidCommand is returned for a command template that cannot be used.
	ErrInvalidCommand = errors.New("invalid command template")
)
