// Compares sampled frames off the page's main thread (quality.js).
import { compareFrame } from "./quality.js";

self.onmessage = (ev) => {
  const { session, buf, offset, stride, w, h, fullRange } = ev.data;
  let result = null;
  try {
    result = compareFrame(buf, offset, stride, w, h, fullRange);
  } catch (e) {
    console.info("quality worker:", e.message);
  }
  self.postMessage({ session, result });
};
