package passthrough_test

import (
	"fmt"
	"strings"

	"echtzeit/camera"
	"echtzeit/camera/passthrough"
)

// The rpicam source's command line for a 1280×720 stream at 30 fps; the
// camera's --rpicam-command flag takes a template like this one.
func ExampleExpandCommand() {
	f := camera.Format{Width: 1280, Height: 720, FPS: 30, Bitrate: 2_000_000, KeyframeInterval: 30}
	args, err := passthrough.ExpandCommand("rpicam-vid -t 0 -n --codec h264 --inline --intra {intra} --width {width} --height {height} --framerate {fps} -b {bitrate} -o -", f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(args, " "))
	// Output: rpicam-vid -t 0 -n --codec h264 --inline --intra 30 --width 1280 --height 720 --framerate 30 -b 2000000 -o -
}

// Splitting an Annex-B buffer into NAL units and reading the SPS.
func ExampleParseSPS() {
	// SPS of a 160×120 constrained-baseline stream at 15 fps (from x264).
	stream := []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x0a, 0xd9, 0x02, 0x84, 0x7e, 0x5c, 0x04, 0x40, 0, 0, 3, 0, 0x40, 0, 0, 0x07, 0x83, 0xc4, 0x89, 0x92}
	nals, err := passthrough.SplitAnnexB(stream)
	if err != nil {
		fmt.Println(err)
		return
	}
	sps, err := passthrough.ParseSPS(nals[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(passthrough.ParseNALUnitType(nals[0][0]), sps.Width, sps.Height, sps.ProfileLevelID(), sps.FPS())
	// Output: SPS 160 120 42c00a 15
}
