// The page's DOM: renders the Echtzeit controller's state and forwards the
// person's actions to it. No framework; elements are found by id.

const $ = (id) => document.getElementById(id);

const STATE_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  joined: "In the room, waiting for the other participant",
  negotiating: "Setting up the stream…",
  streaming: "Streaming",
  left: "The other participant left",
  error: "Error",
  closed: "Disconnected, reconnecting…",
};

const fmt = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");

export class UI {
  constructor() {
    this.remoteVideo = $("remote");
    this.localVideo = $("local");
    this.app = null;
  }

  bind(app) {
    this.app = app;
    $("join-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      app.join($("room").value).catch(() => {});
    });
    $("new-room").addEventListener("click", () => app.newRoom().catch(() => {}));
    $("leave").addEventListener("click", () => app.leave());
    $("copy-link").addEventListener("click", () => this.copyLink());
    $("room").addEventListener("input", () => this.roomMessage(""));
    $("share").addEventListener("click", () => {
      const [w, h] = $("send-res").value.split("x").map(Number);
      app.shareCamera({ width: w, height: h, fps: Number($("send-fps").value) }).catch(() => {});
    });
    $("request-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const [w, h] = $("req-res").value.split("x").map(Number);
      app.request({ width: w, height: h, fps: Number($("req-fps").value), codec: $("req-codec").value });
    });
    this.render(app);
  }

  render(app) {
    const badge = $("state");
    badge.textContent = STATE_TEXT[app.state] ?? app.state;
    badge.dataset.state = app.state;
    $("participant").textContent = app.id ?? "–";
    $("current-room").textContent = app.room ?? "–";
    $("leave").disabled = !app.room;
    $("session").textContent = String(app.session);
    const err = $("error");
    const text = app.describeError();
    err.textContent = text;
    err.hidden = text === "";
    const streaming = app.state === "streaming" && this.remoteVideo.srcObject;
    if (streaming || text !== "" || app.state === "left" || app.state === "closed") showAll();
    $("placeholder").hidden = Boolean(streaming);
    $("placeholder").textContent = app.room
      ? app.state === "left"
        ? "The other participant left. Waiting for the next one…"
        : "Waiting for video…"
      : "Join a room to see its video.";
    $("share").textContent = app.localStream ? "Camera shared ✓ (share again to change)" : "Share my camera";
  }

  renderStats(app) {
    const i = app.inbound;
    const o = app.outbound;
    const d = app.derived;
    const parts = [];
    if (i) {
      parts.push(`${fmt(d.fps)} fps`, `${i.frameWidth || "?"}×${i.frameHeight || "?"}`, i.codec || "?");
      parts.push(`${fmt(d.bitrateKbps, 0)} kbit/s`, `loss ${fmt(d.packetLossPct)} %`, `RTT ${fmt(i.rttMs, 0)} ms`);
      const fc = app.frameCode;
      if (fc.decoded > 0) {
        const l = fc.latencies;
        const last = l.length ? l[l.length - 1] : NaN;
        parts.push(`frame code ${fc.decoded} ok, ${fc.unreadable} unreadable, ${fc.skipped} skipped, latency ${fmt(last, 0)} ms`);
      }
    } else if (o) {
      parts.push(`sending ${fmt(d.fps)} fps`, `${o.frameWidth || "?"}×${o.frameHeight || "?"}`, o.codec || "?");
      parts.push(`${fmt(d.bitrateKbps, 0)} kbit/s`);
    } else {
      parts.push("no stream");
    }
    $("stats").textContent = parts.join(" · ");
  }

  roomMessage(text) {
    const m = $("room-msg");
    m.textContent = text;
    m.hidden = text === "";
    $("room").setAttribute("aria-invalid", text === "" ? "false" : "true");
  }

  setRoomField(room) {
    $("room").value = room;
    this.roomMessage("");
  }

  roomJoined(room) {
    $("room").value = room;
    const link = new URL(window.location.href);
    link.search = "";
    link.hash = "";
    link.searchParams.set("room", room);
    $("link").value = link.href;
    $("link-row").hidden = false;
    const here = new URL(window.location.href);
    if (here.searchParams.get("room") !== room) {
      here.searchParams.set("room", room);
      history.replaceState(null, "", here.href);
    }
  }

  roomLeft() {
    $("link-row").hidden = true;
    const here = new URL(window.location.href);
    if (here.searchParams.has("room")) {
      here.searchParams.delete("room");
      history.replaceState(null, "", here.href);
    }
    this.render(this.app);
  }

  async copyLink() {
    const input = $("link");
    try {
      await navigator.clipboard.writeText(input.value);
      $("copy-link").textContent = "Copied";
    } catch {
      input.select();
      $("copy-link").textContent = "Press Ctrl+C";
    }
    setTimeout(() => ($("copy-link").textContent = "Copy link"), 2000);
  }

  showRemote(stream) {
    if (this.remoteVideo.srcObject !== stream) this.remoteVideo.srcObject = stream;
    this.remoteVideo.play().catch(() => {});
  }

  resetRemote() {
    const v = this.remoteVideo;
    v.pause();
    v.srcObject = null;
    v.removeAttribute("src");
    v.load();
    $("stats").textContent = "no stream";
    if (this.app) this.render(this.app);
  }

  /**
   * Asks the person whether to share the camera into room, as a link's
   * send=camera wants (DESIGN.md "The page's security"). Resolves true when
   * they press "Share my camera", false for "Don't share" or Escape.
   */
  confirmShare(room) {
    const dialog = $("share-confirm");
    $("share-confirm-room").textContent = room || "–";
    return new Promise((resolve) => {
      const done = (yes) => {
        dialog.onclose = null;
        if (dialog.open) dialog.close();
        resolve(yes);
      };
      $("share-confirm-yes").onclick = () => done(true);
      $("share-confirm-no").onclick = () => done(false);
      dialog.onclose = () => done(false);
      dialog.showModal();
    });
  }

  showLocal(stream) {
    this.localVideo.srcObject = stream;
    this.localVideo.hidden = false;
    this.localVideo.play().catch(() => {});
  }
}

/** Ends the video-first layout of a viewer's link (index.html). */
export function showAll() {
  document.documentElement.classList.remove("video-first");
}
