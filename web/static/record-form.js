// Saves the record form to the server a moment after each change, and once more as the page closes,
// so nothing typed is lost if the browser is closed. Without JavaScript the form's own buttons still save.
(function () {
  var form = document.getElementById("record-form");
  if (!form) return;
  var url = form.dataset.autosaveUrl;
  var wait = parseInt(form.dataset.autosaveMs, 10) || 3000;
  var status = document.getElementById("autosave-status");
  var timer = null;
  var dirty = false;

  function save() {
    timer = null;
    if (!dirty) return;
    dirty = false;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 400) {
          // Refused, not failed: say what to put right, and try again only after the next change.
          return response.json().then(function (body) {
            status.textContent = "Your latest changes are not saved: " + body.errors.join(" ");
            return null;
          });
        }
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (body) { if (body) status.textContent = "Draft saved " + body.saved_at + "."; })
      .catch(function () {
        dirty = true;
        status.textContent = "Your latest changes are not saved yet: the connection failed. Countersign will try again; you can also press Save draft.";
        timer = setTimeout(save, wait * 3);
      });
  }

  function changed() {
    dirty = true;
    status.textContent = "Saving…";
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, wait);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { dirty = false; if (timer) clearTimeout(timer); });
  function flush() {
    if (dirty && navigator.sendBeacon) {
      navigator.sendBeacon(url, new FormData(form));
      dirty = false;
    }
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
})();
