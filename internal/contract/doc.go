// Package contract holds the names that cross process boundaries and are read
// by more than one part: the codecs of the scenario axis, the Prometheus metric
// names of the signaling server and the camera, and the camera's command-line
// flags that the harness passes. Each is defined here once; the parts that
// define the real thing (signaling/server, camera, cmd/camera) check against
// this list in their tests, and the harness, the scenario validator and the
// reports import it instead of repeating the strings (DESIGN.md).
package contract
