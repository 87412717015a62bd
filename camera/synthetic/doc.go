// Package synthetic is the camera's test-pattern source (SPEC §3): a moving pattern
// at any resolution and frame rate, paced in real time, with the frame number and
// capture time drawn into every frame as the machine-readable frame code of package
// framecode. It is a pion/mediadevices video.Reader, so the software encoders take it
// like any camera.
package synthetic
