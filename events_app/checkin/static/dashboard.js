// The live arrivals dashboard: renders the server's figures and the conflicts to review, and
// re-reads them whenever any app process announces a scan, or a conflict marked seen, on the
// conference's channel (server-sent events).
"use strict";

(function () {
  const root = document.getElementById("dashboard");
  const slug = root.dataset.slug;
  const zone = root.dataset.timezone;
  const base = `/c/${slug}/staff/dashboard`;
  const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: zone });

  function bars(id, rows) {
    const max = Math.max(1, ...rows.map((r) => r.count));
    document.getElementById(id).replaceChildren(
      ...rows.map((row) => {
        const line = document.createElement("div");
        line.className = "bar";
        const label = document.createElement("span");
        label.textContent = row.label;
        const track = document.createElement("span");
        const fill = document.createElement("span");
        fill.className = "fill";
        fill.style.width = `${(100 * row.count) / max}%`;
        track.append(fill);
        const count = document.createElement("span");
        count.textContent = String(row.count);
        line.append(label, track, count);
        return line;
      })
    );
  }

  const seconds = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit", timeZone: zone });
  function conflicts(list) {
    document.getElementById("conflict-count").textContent = list.total ? `(${list.total})` : "(none)";
    document.getElementById("conflicts").replaceChildren(
      ...list.items.map((c) => {
        const li = document.createElement("li");
        li.textContent =
          `${c.name}: entered at ${c.first_station}, ${seconds.format(new Date(c.first_at))}; ` +
          `let in again at ${c.again_station}, ${seconds.format(new Date(c.again_at))}. `;
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "Mark seen";
        button.addEventListener("click", async () => {
          button.disabled = true;
          const response = await fetch(`${base}/conflicts/${c.id}/seen`, {
            method: "POST",
            headers: { "X-CSRFToken": root.dataset.csrf },
          });
          if (response.ok) li.remove();
          else button.disabled = false;
          refresh();
        });
        li.append(button);
        return li;
      })
    );
  }

  function render(data) {
    document.getElementById("checked-in").textContent = String(data.checked_in);
    document.getElementById("registered").textContent = String(data.registered);
    bars("arrivals", data.arrivals.map((b) => ({ label: time.format(new Date(b.starts_at)), count: b.arrivals })));
    bars("by-type", data.by_registration_type);
    bars("by-door", data.by_door);
    bars("rooms", data.rooms.map((r) => ({ label: r.session ? `${r.room}: ${r.session}` : r.room, count: r.present })));
    conflicts(data.conflicts);
  }

  let pending = null;
  function refresh() {
    // Many scans a second at opening time: re-read at most a few times a second.
    if (pending) return;
    pending = setTimeout(async () => {
      pending = null;
      const response = await fetch(`${base}/data`, { cache: "no-store" });
      if (response.ok) render(await response.json());
    }, 250);
  }

  render(JSON.parse(document.getElementById("dashboard-initial").textContent));
  const state = document.getElementById("live-state");
  const source = new EventSource(`${base}/live`);
  source.addEventListener("ready", () => (state.textContent = "Live"));
  source.addEventListener("scan", refresh);
  source.addEventListener("conflict_seen", refresh);
  source.onerror = () => (state.textContent = "Reconnecting...");
})();
