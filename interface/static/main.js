// Entry point: builds the controller from the URL parameters and installs
// window.echtzeit (DESIGN.md).

import { Echtzeit, readParams } from "./app.js";
import { UI, showAll } from "./ui.js";
import { chartEnabled, mountChart } from "./chart.js";

const params = readParams();
const ui = new UI();
const app = new Echtzeit(ui, params);
window.echtzeit = app.api();
ui.bind(app);

if (params.send) {
  const share = () => app.shareCamera({ width: params.width, height: params.height, fps: params.fps }).catch(() => {});
  // A link alone never turns on a visitor's camera: the person confirms first.
  // Only test harnesses skip that, by defining window.__echtzeitAutoShare = true
  // before the page's scripts run (a DevTools init script), which no link, frame
  // or other site can do (DESIGN.md "The page's security").
  if (window.__echtzeitAutoShare === true) share();
  else ui.confirmShare(params.room).then((yes) => yes && share());
}
if (params.canvas) app.shareCanvas({ width: params.width, height: params.height, fps: params.fps }).catch(() => {});
if (params.requestRaw !== null) {
  if (params.request) app.request({ ...params.request, codec: params.codec });
  else app.showError({ code: "bad-request-parameter", message: `request=${params.requestRaw} is not WIDTHxHEIGHT@FPS` });
}
if (params.room !== null) {
  ui.setRoomField(params.room);
  app.join(params.room).catch(() => {});
}
app.start();
// A viewer's link shows the video first (index.html); the rest of the page
// comes with the first frame, an error, or after a second at the latest.
setTimeout(showAll, 1000);
// The chart comes last: its first drawing lays the page out and loads a
// font, which must not hold up the session's start (DESIGN.md "Setup phases").
if (chartEnabled()) mountChart(window.echtzeit, document.getElementById("stats"));
