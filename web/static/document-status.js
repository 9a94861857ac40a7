// A document's page while its PDF is being made: ask whether it is ready, say so in the page's status region,
// and bring the rest of the page up to date in place (its links and buttons), without reloading.
(function () {
  "use strict";
  var region = document.querySelector("[data-pdf-status-url]");
  if (!region || !window.fetch || !window.DOMParser) {
    return;
  }
  var statusUrl = region.getAttribute("data-pdf-status-url");
  var content = document.getElementById(region.getAttribute("data-content"));
  // A preview is usually made within half a second: ask soon, then less and less often.
  var delay = 300;

  function say(message) {
    if (region.textContent.trim() !== message) {
      region.textContent = message;
    }
  }

  function bringUpToDate(message) {
    // Marked as the page refreshing itself: the person already opened it, so this is not another view.
    var url = new URL(window.location.href);
    url.searchParams.set("refreshed", "1");
    return fetch(url.toString(), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("page " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(content.id);
        if (fresh) {
          content.innerHTML = fresh.innerHTML;
        }
        say(message);
      });
  }

  function ask() {
    fetch(statusUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (status.waiting) {
          say(status.message);
          delay = Math.min(delay * 1.3, 5000);
          window.setTimeout(ask, delay);
        } else {
          return bringUpToDate(status.message);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(ask, delay);
      });
  }

  window.setTimeout(ask, delay);
})();
