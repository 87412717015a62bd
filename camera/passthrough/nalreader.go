package passthrough

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultMaxNALSize bounds one NAL unit. A 1080p I-frame from the Pi's encoder
// at high bitrate is well below 1 MiB.
const DefaultMaxNALSize = 8 << 20

const readChunk = 64 << 10

// NAL is one H.264 NAL unit without its start code.
type NAL struct {
	// Data is the NAL unit, header byte first, emulation prevention bytes kept.
	Data []byte
	// Arrival is when the read that delivered the unit's start code returned.
	Arrival time.Time
}

// Type returns the NAL unit's nal_unit_type.
func (n NAL) Type() NALUnitType {
	if len(n.Data) == 0 {
		return NALUnknown
	}
	return ParseNALUnitType(n.Data[0])
}

// NALReader splits an H.264 Annex-B byte stream (ITU-T H.264 Annex B) into NAL
// units as they arrive. It reads in chunks of whatever size the underlying
// reader returns, so a unit is handed out as soon as the next start code (or
// the end of the stream) has been read.
type NALReader struct {
	r         io.Reader
	maxNAL    int
	now       func() time.Time
	mem       []byte // backing array of buf
	buf       []byte // unconsumed bytes; buf[0:] starts at the current unit's payload once started
	started   bool   // the first start code has been seen
	scan      int    // offset in buf from which to look for the next start code
	arrival   time.Time
	last      time.Time // when the latest read returned
	err       error     // sticky error from r
	zeroReads int
}

// NALReaderOption configures a NALReader.
type NALReaderOption func(*NALReader)

// WithMaxNALSize sets the largest NAL unit the reader accepts (default
// DefaultMaxNALSize); a larger one fails with ErrNALTooLarge.
func WithMaxNALSize(n int) NALReaderOption {
	return func(r *NALReader) {
		if n > 0 {
			r.maxNAL = n
		}
	}
}

// withClock replaces time.Now (tests).
func withClock(now func() time.Time) NALReaderOption {
	return func(r *NALReader) { r.now = now }
}

// NewNALReader returns a reader of the Annex-B stream r.
func NewNALReader(r io.Reader, opts ...NALReaderOption) *NALReader {
	nr := &NALReader{r: r, maxNAL: DefaultMaxNALSize, now: time.Now}
	for _, o := range opts {
		o(nr)
	}
	return nr
}

// Next returns the next NAL unit. Its Data is a fresh copy. At the end of the
// stream it returns io.EOF; a stream that does not begin with a start code
// fails with ErrNoStartCode, a unit over the size limit with ErrNALTooLarge.
// Empty units (two start codes in a row) are skipped.
func (nr *NALReader) Next() (NAL, error) {
	for {
		if !nr.started {
			if err := nr.findFirstStartCode(); err != nil {
				return NAL{}, err
			}
			continue
		}
		// Look for the start code that ends the current unit.
		if i := bytes.Index(nr.buf[nr.scan:], startCode3); i >= 0 {
			end := nr.scan + i
			next := end + len(startCode3)
			data := trimTrailingZeros(nr.buf[:end])
			if len(data) > nr.maxNAL {
				return NAL{}, fmt.Errorf("%w: %d bytes, limit %d", ErrNALTooLarge, len(data), nr.maxNAL)
			}
			nal := NAL{Data: bytes.Clone(data), Arrival: nr.arrival}
			nr.arrival = nr.last
			nr.consume(next)
			if len(nal.Data) == 0 {
				continue
			}
			return nal, nil
		}
		if len(nr.buf) > nr.maxNAL+3 {
			return NAL{}, fmt.Errorf("%w: more than %d bytes without a start code", ErrNALTooLarge, nr.maxNAL)
		}
		// Keep the last two bytes in the scan window: they may be the
		// beginning of a start code split across reads.
		nr.scan = max(0, len(nr.buf)-2)
		if nr.err != nil {
			if !errors.Is(nr.err, io.EOF) {
				return NAL{}, nr.err
			}
			data := trimTrailingZeros(nr.buf)
			if len(data) > nr.maxNAL {
				return NAL{}, fmt.Errorf("%w: %d bytes, limit %d", ErrNALTooLarge, len(data), nr.maxNAL)
			}
			nal := NAL{Data: bytes.Clone(data), Arrival: nr.arrival}
			nr.consume(len(nr.buf))
			if len(nal.Data) == 0 {
				return NAL{}, io.EOF
			}
			return nal, nil
		}
		nr.fill()
	}
}

var startCode3 = []byte{0, 0, 1}

// findFirstStartCode consumes leading zero bytes and the first start code.
func (nr *NALReader) findFirstStartCode() error {
	for {
		zeros := 0
		for zeros < len(nr.buf) && nr.buf[zeros] == 0 {
			zeros++
		}
		if zeros < len(nr.buf) {
			if nr.buf[zeros] == 1 && zeros >= 2 {
				nr.arrival = nr.last
				nr.consume(zeros + 1)
				nr.started = true
				return nil
			}
			return ErrNoStartCode
		}
		if zeros > 64 {
			return fmt.Errorf("%w: %d zero bytes", ErrNoStartCode, zeros)
		}
		if nr.err != nil {
			if errors.Is(nr.err, io.EOF) && len(nr.buf) == 0 {
				return io.EOF
			}
			if errors.Is(nr.err, io.EOF) {
				return fmt.Errorf("%w: stream ends after %d zero bytes", ErrNoStartCode, zeros)
			}
			return nr.err
		}
		nr.fill()
	}
}

// consume drops the first n bytes of the buffer (no copy: buf is a window
// into mem that fill moves back to the front when it runs out of room).
func (nr *NALReader) consume(n int) {
	nr.buf = nr.buf[n:]
	nr.scan = 0
}

// fill reads one chunk into the buffer and records when it arrived.
func (nr *NALReader) fill() {
	if cap(nr.buf)-len(nr.buf) < readChunk {
		need := len(nr.buf) + readChunk
		if need > cap(nr.mem) {
			nr.mem = make([]byte, 2*need)
		}
		nr.buf = nr.mem[:copy(nr.mem[:cap(nr.mem)], nr.buf)]
	}
	n, err := nr.r.Read(nr.buf[len(nr.buf):cap(nr.buf)])
	nr.buf = nr.buf[:len(nr.buf)+n]
	if n > 0 {
		nr.last = nr.now()
	}
	if err != nil {
		nr.err = err
	} else if n == 0 {
		// A reader that returns 0, nil repeatedly would spin; io.Reader allows
		// it but discourages it. Treat many in a row as no progress.
		nr.zeroReads++
		if nr.zeroReads > 100 {
			nr.err = io.ErrNoProgress
		}
		return
	}
	nr.zeroReads = 0
}

// trimTrailingZeros removes trailing_zero_8bits and the leading zero byte of
// a following 4-byte start code (§B.1.1); a NAL unit never ends in 0x00.
func trimTrailingZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// SplitAnnexB splits a complete Annex-B buffer into NAL units (sub-slices of
// data, no copies). Bytes before the first start code are an error.
func SplitAnnexB(data []byte) ([][]byte, error) {
	i := 0
	for i < len(data) && data[i] == 0 {
		i++
	}
	if i < 2 || i >= len(data) || data[i] != 1 {
		if len(data) == 0 {
			return nil, nil
		}
		return nil, ErrNoStartCode
	}
	data = data[i+1:]
	var nals [][]byte
	for len(data) > 0 {
		j := bytes.Index(data, startCode3)
		if j < 0 {
			if n := trimTrailingZeros(data); len(n) > 0 {
				nals = append(nals, n)
			}
			break
		}
		if n := trimTrailingZeros(data[:j]); len(n) > 0 {
			nals = append(nals, n)
		}
		data = data[j+3:]
	}
	return nals, nil
}

// AppendAnnexB appends each NAL unit with a 4-byte start code to dst.
func AppendAnnexB(dst []byte, nals ...[]byte) []byte {
	for _, n := range nals {
		dst = append(dst, 0, 0, 0, 1)
		dst = append(dst, n...)
	}
	return dst
}
