// The scanner page: reads badges (wedge scanner, camera, look-up), answers online from the
// server and offline from its own copy, and queues offline scans in IndexedDB until the
// network returns. Every scan carries a nonce made here, so a scan the server already saw
// (a lost answer, a retried sync) is never counted twice. A server that is slow or hung is
// treated as gone: past a short deadline the door answers from its copy and queues the scan,
// and a light heartbeat tells staff whether the server answers at all.
"use strict";

(function () {
  const root = document.getElementById("scanner");
  const slug = root.dataset.slug;
  const api = `/api/conferences/${slug}/checkin`;
  const TOKEN_KEY = `scanner-token:${slug}`;
  const DOMAIN_TAG = new TextEncoder().encode("events-app/badge/v1");
  const PREFIX = "EV1-";
  const RED = new Set(["cancelled", "revoked", "wrong_conference", "invalid", "not_registered_for_session"]);
  // A door keeps a queue moving at about a badge every two seconds: a server that has not
  // answered within this much (a setting) is not going to help the person in front of us.
  const DEADLINE_MS = Number(root.dataset.deadlineMs) || 1500;
  // Syncing a queue or fetching the copy is not in front of anyone, and a big batch takes longer.
  const SYNC_DEADLINE_MS = 20000;
  const HEARTBEAT_MS = 3000;
  // Below this the round trip's own noise dominates; above it the device clock is simply wrong.
  const CLOCK_TOLERANCE_MS = 1000;
  const SYNC_KEY = `scanner-last-sync:${slug}`;
  const CONFLICTS_KEY = `scanner-conflicts:${slug}`;
  const CLOCK_KEY = `scanner-clock-offset:${slug}`;

  const el = (id) => document.getElementById(id);
  const wedge = el("wedge");
  const state = {
    token: null,
    bundle: null,
    key: null,
    byId: new Map(),
    inside: new Set(), // attendees this device knows to be checked in (bundle + its own offline admits)
    online: navigator.onLine,
    syncing: false,
    conflicts: JSON.parse(localStorage.getItem(CONFLICTS_KEY) || '{"items": [], "total": 0}'),
    clockOffset: Number(localStorage.getItem(CLOCK_KEY)) || 0, // server clock minus ours, when ours is off
    kind: null,
  };

  // --- the station token ------------------------------------------------------------------------
  function takeToken() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const fromLink = hash.get("token");
    if (fromLink) {
      localStorage.setItem(TOKEN_KEY, fromLink);
      history.replaceState(null, "", location.pathname + location.search);
    }
    state.token = localStorage.getItem(TOKEN_KEY);
  }

  // Rejects without a ``status`` when the server did not answer in time: the request is
  // aborted, so an answer arriving later is never read (the scan was answered here instead).
  async function call(method, path, body, deadlineMs = SYNC_DEADLINE_MS) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    try {
      const response = await fetch(api + path, {
        method,
        headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        signal: abort.signal,
      });
      const text = await response.text();
      let data = {};
      try {
        data = text ? JSON.parse(text) : {};
      } catch (_) {
        // A proxy's HTML error page: the status below says what happened.
      }
      if (!response.ok) {
        const error = new Error(data.detail || `The server answered ${response.status}.`);
        error.status = response.status;
        throw error;
      }
      return data;
    } finally {
      clearTimeout(timer);
    }
  }
  const deviceNow = () => new Date(Date.now() + state.clockOffset).toISOString();

  // --- IndexedDB: the offline copy and the queue ----------------------------------------------
  let dbPromise = null;
  function idb() {
    dbPromise ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(`scanner-${slug}`, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("queue", { keyPath: "nonce" });
        request.result.createObjectStore("copy");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return dbPromise;
  }
  async function store(name, mode, work) {
    const db = await idb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const queueAll = () => store("queue", "readonly", (s) => s.getAll());
  const queuePut = (scan) => store("queue", "readwrite", (s) => s.put(scan));
  const queueDelete = (nonces) => store("queue", "readwrite", (s) => nonces.forEach((n) => s.delete(n)));
  const copySave = (bundle) => store("copy", "readwrite", (s) => s.put(bundle, "bundle"));
  const copyLoad = () => store("copy", "readonly", (s) => s.get("bundle"));

  // --- the offline copy: key, badge versions, names ------------------------------------------
  function b64urlBytes(text) {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }
  async function useBundle(bundle) {
    state.bundle = bundle;
    state.byId = new Map(bundle.attendees.map((a) => [a[0], a]));
    for (const a of bundle.attendees) if (a[9]) state.inside.add(a[0]);
    for (const queued of await queueAll()) {
      if (queued.scan.kind === "entry" && queued.local.admitted) state.inside.add(queued.local.attendee_id);
    }
    state.key = await crypto.subtle.importKey("raw", b64urlBytes(bundle.key.public_key), { name: "Ed25519" }, false, [
      "verify",
    ]);
    const station = bundle.station;
    el("station-name").textContent = station.name;
    const kinds = { entrance: ["entry"], registration_desk: ["entry"], session_room: ["session", "exit"], partner_booth: ["lead"] }[
      station.kind
    ];
    state.kind ??= kinds[0];
    const picker = el("kind");
    picker.hidden = kinds.length < 2;
    picker.replaceChildren(
      ...kinds.map((k) => {
        const option = new Option(k === "session" ? "Entering" : k === "exit" ? "Leaving" : k, k);
        option.selected = k === state.kind;
        return option;
      })
    );
    el("copy-age").textContent = `Offline copy: ${bundle.attendees.length} attendees, ${new Date(
      bundle.generated_at
    ).toLocaleTimeString()}`;
  }
  async function refreshBundle() {
    const bundle = await call("GET", "/offline");
    await copySave(bundle);
    await useBundle(bundle);
  }

  // --- verifying a badge by ourselves (offline) ---------------------------------------------
  const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  function base32(text) {
    const out = [];
    let bits = 0;
    let value = 0;
    for (const ch of text) {
      const index = B32.indexOf(ch);
      if (index < 0) return null;
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const uuidOf = (bytes) => {
    const h = hex(bytes);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const uuidBytes = (text) => Uint8Array.from(text.replace(/-/g, "").match(/../g), (h) => parseInt(h, 16));

  async function verifyOffline(text) {
    // The server takes one spelling only; so does the offline check, or the two would disagree.
    if (!/^EV1-[A-Z2-7]{138}$/.test(text) || B32.indexOf(text.at(-1)) % 4 !== 0) return { result: "invalid" };
    const raw = base32(text.slice(PREFIX.length));
    if (!raw || raw.length !== 86) return { result: "invalid" };
    const keyId = hex(raw.slice(0, 4));
    const attendeeId = uuidOf(raw.slice(4, 20));
    const version = (raw[20] << 8) | raw[21];
    if (keyId !== state.bundle.key.key_id) return { result: "wrong_conference" };
    const message = new Uint8Array(DOMAIN_TAG.length + 34);
    message.set(DOMAIN_TAG, 0);
    message.set(uuidBytes(state.bundle.conference_id), DOMAIN_TAG.length);
    message.set(raw.slice(4, 22), DOMAIN_TAG.length + 16);
    const good = await crypto.subtle.verify({ name: "Ed25519" }, state.key, raw.slice(22), message);
    if (!good) return { result: "invalid" };
    return judge(attendeeId, version);
  }

  function judge(attendeeId, version) {
    const person = state.byId.get(attendeeId);
    if (!person) return { result: "invalid" };
    const [, current, status, name, badgeName, paid, , type, city, , vouched] = person;
    const card = { id: attendeeId, name, badge_name: badgeName, registration_type: type, city };
    if (version !== null && version > current) return { result: "invalid" };
    // Cancelling and refunding also raise the version: the status says more than "replaced".
    if (status === "cancelled" || status === "refunded") return { result: "cancelled", attendee: card };
    if (version !== null && version < current) return { result: "revoked", attendee: card };
    if (status === "substituted") return { result: "revoked", attendee: card };
    if (state.kind === "lead" || state.kind === "exit") return { result: "ok", admitted: true, attendee: card };
    const countsOnce = state.kind === "entry";
    if (countsOnce && state.inside.has(attendeeId)) return { result: "already_checked_in", attendee: card };
    if (!paid && !state.bundle.station.allow_unpaid && !vouched) return { result: "unpaid", attendee: card };
    if (countsOnce) state.inside.add(attendeeId);
    return { result: paid ? "ok" : "unpaid", admitted: true, attendee: card };
  }

  // --- scanning -------------------------------------------------------------------------------
  async function scan({ token = null, attendeeId = null }) {
    const item = {
      nonce: crypto.randomUUID(),
      kind: state.kind,
      scanned_at: deviceNow(),
      ...(token ? { token } : { attendee_id: attendeeId }),
    };
    if (state.online) {
      try {
        const answer = await call("POST", "/scans", item, DEADLINE_MS);
        if (answer.attendee && answer.admitted && item.kind === "entry") state.inside.add(answer.attendee.id);
        show(answer, false);
        return;
      } catch (error) {
        if (error.status) {
          show({ result: "invalid", message: error.message }, false);
          return;
        }
        goOffline(); // no answer in time: the server may yet record it; the queued copy has the same nonce
      }
    }
    const local = token ? await verifyOffline(token) : judge(attendeeId, null);
    // What this device decided is kept beside the scan, so a reload still knows who came in.
    await queuePut({
      nonce: item.nonce,
      scan: { ...item, offline: true },
      local: { attendee_id: local.attendee ? local.attendee.id : null, admitted: Boolean(local.admitted) },
    });
    await updateCounts();
    show({ ...local, message: offlineMessage(local) }, true);
  }

  function offlineMessage(local) {
    return {
      ok: "Checked on this device; it will be sent when the server answers again.",
      already_checked_in: "Already checked in (as far as this device knows).",
      unpaid: local.admitted ? "Admitted; the invoice is not settled." : "Not paid: send them to the registration desk.",
      cancelled: "This registration was cancelled or refunded.",
      revoked: "This badge was replaced by a newer one.",
      wrong_conference: "This badge is for another event.",
      invalid: "This code is not a valid badge.",
    }[local.result];
  }

  // --- syncing --------------------------------------------------------------------------------
  async function sync() {
    if (state.syncing || !state.token) return;
    state.syncing = true;
    try {
      let waiting = await queueAll();
      let sent = 0;
      let clashes = 0;
      while (waiting.length) {
        waiting.sort((a, b) => a.scan.scanned_at.localeCompare(b.scan.scanned_at));
        const batch = waiting.slice(0, 200);
        const result = await call("POST", "/scans/batch", { scans: batch.map((q) => q.scan) });
        sent += batch.length;
        clashes += result.conflicts;
        await queueDelete(batch.map((s) => s.nonce));
        waiting = await queueAll();
      }
      if (sent) {
        localStorage.setItem(SYNC_KEY, JSON.stringify({ at: new Date().toISOString(), sent, conflicts: clashes }));
      }
      goOnline();
      await refreshBundle();
      await loadConflicts();
    } catch (error) {
      if (!error.status) goOffline();
      else if (error.status === 401 || error.status === 403) {
        // The queue stays on the device: a new token for this station sends it later.
        el("network").textContent = "This device's station token was revoked; scans stay queued here";
      }
    } finally {
      state.syncing = false;
      await updateCounts();
      showLastSync();
      showConflicts();
    }
  }

  // Every few seconds: does the server answer (however the browser rates its network)? If it
  // does and scans wait, or it did not before, send the queue.
  async function heartbeat() {
    if (!state.token || !state.bundle || state.syncing) return;
    const sent = Date.now();
    try {
      const beat = await call("GET", "/heartbeat", undefined, DEADLINE_MS);
      // The server read its clock about half-way through the round trip.
      const offset = Date.parse(beat.now) - (sent + Date.now()) / 2;
      state.clockOffset = Math.abs(offset) > CLOCK_TOLERANCE_MS ? Math.round(offset) : 0;
      localStorage.setItem(CLOCK_KEY, String(state.clockOffset));
    } catch (error) {
      if (!error.status) {
        goOffline();
        return;
      }
      // A refused token: the sync below says so, and keeps the queue.
    }
    const waiting = await queueAll();
    if (waiting.length || !state.online) await sync();
  }

  async function loadConflicts() {
    state.conflicts = await call("GET", "/conflicts");
    localStorage.setItem(CONFLICTS_KEY, JSON.stringify(state.conflicts));
  }

  function goOffline() {
    state.online = false;
    root.classList.add("is-offline");
    el("network").textContent = navigator.onLine
      ? "Server not answering: checking on this device"
      : "Offline: scans are checked on this device and queued";
  }
  function goOnline() {
    state.online = true;
    root.classList.remove("is-offline");
    el("network").textContent = "Online";
  }
  async function updateCounts() {
    const waiting = (await queueAll()).length;
    el("queue").textContent = `${waiting} scan${waiting === 1 ? "" : "s"} waiting to sync`;
    el("queue").dataset.count = String(waiting);
  }
  function showLastSync() {
    const last = JSON.parse(localStorage.getItem(SYNC_KEY) || "null");
    if (!last) return;
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    el("last-sync").textContent = `Last synced ${new Date(last.at).toLocaleTimeString()}: ${plural(
      last.sent,
      "scan"
    )} sent, ${plural(last.conflicts, "conflict")}`;
  }
  function showConflicts() {
    const { items, total } = state.conflicts;
    el("conflicts").hidden = items.length === 0;
    el("conflicts-more").textContent = total > items.length ? `${total - items.length} more on the dashboard.` : "";
    const time = (at) => new Date(at).toLocaleTimeString();
    el("conflict-items").replaceChildren(
      ...items.map((c) => {
        const li = document.createElement("li");
        li.textContent =
          `${c.name} entered at ${c.first_station}, ${time(c.first_at)}; ` +
          `let in again at ${c.again_station}, ${time(c.again_at)}. Counted once. `;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = "Mark seen";
        button.addEventListener("click", async () => {
          try {
            await call("POST", `/conflicts/${c.id}/seen`, undefined, DEADLINE_MS);
            await loadConflicts();
          } catch (error) {
            button.textContent = `Not marked: ${error.status ? error.message : "the server does not answer"}`;
            return;
          }
          showConflicts();
        });
        li.append(button);
        return li;
      })
    );
  }

  // --- the answer on screen -------------------------------------------------------------------
  let hideTimer = null;
  function colourOf(answer) {
    if (answer.result === "ok") return "green";
    if (answer.result === "already_checked_in" || (answer.result === "unpaid" && answer.admitted)) return "amber";
    return RED.has(answer.result) || answer.result === "unpaid" ? "red" : "amber";
  }
  function show(answer, offline) {
    const colour = colourOf(answer);
    const panel = el("result");
    panel.className = `result result-${colour}`;
    panel.dataset.result = answer.result;
    panel.hidden = false;
    el("result-word").textContent =
      { green: "Go ahead", amber: "Check", red: "Stop" }[colour] + (offline ? " (offline)" : "");
    el("result-name").textContent = answer.attendee ? answer.attendee.badge_name || answer.attendee.name : "";
    el("result-detail").textContent = [
      answer.attendee ? answer.attendee.name : "",
      answer.attendee ? answer.attendee.registration_type : "",
      answer.attendee ? answer.attendee.city : "",
    ]
      .filter(Boolean)
      .join(" · ");
    el("result-message").textContent =
      answer.message +
      (answer.first ? ` First: ${answer.first.station}, ${new Date(answer.first.at).toLocaleTimeString()}.` : "");
    const needs = [];
    if (answer.attendee && answer.attendee.accessibility_needs) needs.push(`Accessibility: ${answer.attendee.accessibility_needs}`);
    if (answer.attendee && answer.attendee.dietary_needs) needs.push(`Dietary: ${answer.attendee.dietary_needs}`);
    el("result-needs").textContent = needs.join(" · ");
    showGroup(answer.group || []);
    beep(colour);
    clearTimeout(hideTimer);
    if (!(answer.group || []).some((m) => !m.checked_in && m.admissible)) {
      hideTimer = setTimeout(() => (panel.hidden = true), 4000);
    }
    wedge.focus();
  }
  function showGroup(group) {
    const waiting = group.filter((m) => !m.checked_in && m.admissible);
    const box = el("group");
    box.hidden = waiting.length === 0;
    el("group-items").replaceChildren(
      ...waiting.map((member) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `Check in ${member.name}`;
        button.addEventListener("click", () => {
          li.remove();
          scan({ attendeeId: member.id });
        });
        li.append(button);
        return li;
      })
    );
  }

  let audio = null;
  function beep(colour) {
    try {
      audio ??= new AudioContext();
      const tones = { green: [880], amber: [660, 660], red: [220, 180, 220] }[colour];
      tones.forEach((frequency, i) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = frequency;
        osc.type = colour === "red" ? "square" : "sine";
        gain.gain.value = 0.15;
        osc.connect(gain).connect(audio.destination);
        const start = audio.currentTime + i * 0.18;
        osc.start(start);
        osc.stop(start + 0.14);
      });
    } catch (_) {
      // No audio output (a headless browser, a muted kiosk): the colour says it all.
    }
  }

  // --- look-up by name or email ---------------------------------------------------------------
  async function lookup(text) {
    let hits;
    if (state.online) {
      try {
        hits = await call("GET", `/lookup?q=${encodeURIComponent(text)}`);
      } catch (error) {
        if (error.status) {
          el("lookup-results").textContent = error.message;
          return;
        }
        goOffline();
      }
    }
    if (!hits) {
      const words = text.toLowerCase().split(/\s+/).filter(Boolean);
      hits = state.bundle.attendees
        .filter((a) => words.every((w) => `${a[3]} ${a[4]}`.toLowerCase().includes(w)))
        .slice(0, 20)
        .map((a) => ({ id: a[0], name: a[3], city: a[8], registration_type: a[7], status: a[2], checked_in: state.inside.has(a[0]) }));
    }
    el("lookup-results").replaceChildren(
      ...hits.map((hit) => {
        const li = document.createElement("li");
        li.textContent = `${hit.name} · ${hit.registration_type} · ${hit.city || ""}`;
        // Say why someone cannot be let in, and offer "Check in" only to those still to arrive.
        const gone = { cancelled: "Cancelled", refunded: "Cancelled and refunded", substituted: "Handed to a colleague" };
        const state_ = document.createElement("strong");
        if (gone[hit.status]) {
          state_.textContent = ` ${gone[hit.status]}: not admitted`;
          li.append(state_);
        } else if (hit.checked_in) {
          state_.textContent = " Already checked in";
          li.append(state_);
        } else {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = "Check in";
          button.addEventListener("click", () => scan({ attendeeId: hit.id }));
          li.append(" ", button);
        }
        if (state.bundle.station.kind === "registration_desk") {
          li.append(" ", reprintButton(hit, false), " ", reprintButton(hit, true));
        }
        return li;
      })
    );
  }

  // --- replacement badges at the desk ---------------------------------------------------------
  function reprintButton(hit, lost) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = lost ? "Replace a lost badge" : "Reprint badge";
    button.addEventListener("click", async () => {
      const reason = prompt(lost ? "The old badge will stop working. Note why:" : "Why is it reprinted?", lost ? "Lost" : "Damaged");
      if (!reason) return;
      const response = await fetch(`${api}/attendees/${hit.id}/reprint`, {
        method: "POST",
        headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ reason, lost }),
      });
      if (!response.ok) {
        el("lookup-results").textContent = (await response.json().catch(() => ({}))).detail || "The badge could not be printed.";
        return;
      }
      window.open(URL.createObjectURL(await response.blob()), "_blank");
    });
    return button;
  }

  // --- camera ---------------------------------------------------------------------------------
  async function startCamera() {
    const video = el("camera");
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    let detect;
    if ("BarcodeDetector" in window && (await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      detect = async () => ((await detector.detect(video))[0] || {}).rawValue;
    } else {
      await loadScript("/static/checkin/vendor/jsqr/jsQR.js");
      const canvas = document.createElement("canvas");
      const context = canvas.getContext("2d", { willReadFrequently: true });
      detect = async () => {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const frame = context.getImageData(0, 0, canvas.width, canvas.height);
        return (window.jsQR(frame.data, frame.width, frame.height) || {}).data;
      };
    }
    let last = "";
    let lastAt = 0;
    const tick = async () => {
      if (video.readyState >= 2) {
        const text = await detect();
        // A badge held in front of the camera is read many times a second: act on it once.
        if (text && (text !== last || Date.now() - lastAt > 5000)) {
          last = text;
          lastAt = Date.now();
          await scan({ token: text });
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }

  // --- wiring ---------------------------------------------------------------------------------
  async function start() {
    takeToken();
    if (!state.token) {
      el("setup").hidden = false;
      return;
    }
    el("scanning").hidden = false;
    showLastSync();
    showConflicts(); // as last seen, until the server says more
    try {
      await refreshBundle();
      goOnline();
      await loadConflicts();
      showConflicts();
    } catch (error) {
      const saved = await copyLoad();
      if (error.status === 401 || error.status === 403) {
        el("setup").hidden = false;
        el("setup-error").textContent = "This device's station token no longer works; ask an organizer for a new one.";
        el("scanning").hidden = true;
        return;
      }
      if (!saved) throw error;
      await useBundle(saved);
      goOffline();
    }
    await updateCounts();
    await heartbeat();
    wedge.focus();
  }

  el("wedge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = wedge.value.trim();
    wedge.value = "";
    if (text) scan({ token: text });
  });
  el("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el("lookup-text").value.trim();
    if (text.length >= 2) lookup(text);
  });
  el("kind").addEventListener("change", (event) => (state.kind = event.target.value));
  el("camera-start").addEventListener("click", () =>
    startCamera().catch((error) => (el("camera-error").textContent = `The camera cannot be used: ${error.message}`))
  );
  el("result").addEventListener("click", () => {
    el("result").hidden = true;
    wedge.focus();
  });
  el("setup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, el("setup-token").value.trim());
    location.reload();
  });
  // A wedge scanner types into whatever has focus: keep it on the scan field unless staff are typing elsewhere.
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof HTMLInputElement) && !(event.target instanceof HTMLSelectElement)) wedge.focus();
  });
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", goOffline);
  setInterval(heartbeat, HEARTBEAT_MS);
  setInterval(
    () =>
      state.online &&
      !state.syncing &&
      refreshBundle()
        .then(loadConflicts)
        .then(showConflicts)
        .catch(() => {}),
    60000
  );
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(`/c/${slug}/staff/scan-worker.js`).catch(() => {
      // Without it the page still works offline once open; it only cannot be reopened offline.
    });
  }
  start().catch((error) => (el("setup-error").textContent = error.message));
  window.scanner = { state, sync }; // for staff debugging in the console
})();
