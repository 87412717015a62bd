// Package v4l2 is the camera's V4L2 source: any Linux camera (USB webcam, a
// V4L2 loopback device) through pion/mediadevices' camera driver, as a
// camera.RawSource for the software encoders. It needs cgo; without cgo Open
// returns ErrNoCgo. The Raspberry Pi's CSI camera under libcamera delivers raw Bayer
// on /dev/video0 and is served by the rpicam pass-through source instead.
package v4l2
