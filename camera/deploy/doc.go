// Package deploy holds the camera's deployment files: the systemd unit
// echtzeit-camera.service and README.md ("Run the camera on a Raspberry Pi").
// It has no Go code; its test checks the unit and the guide against the
// camera's real flags and the Makefile.
package deploy
