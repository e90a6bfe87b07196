// Progressive enhancement: the session panel follows the other side without
// reloading. It asks the page's small JSON status endpoint every few seconds
// and redraws the panel when the state changes. Without this file the page
// offers a refresh link, and every form is a plain POST.
(function () {
    "use strict";
    var panel = document.querySelector("[data-live-panel]");
    if (!panel || !window.fetch) { return; }
    var url = panel.getAttribute("data-status-url");
    var state = panel.getAttribute("data-state");
    var seconds = parseFloat(panel.getAttribute("data-poll-seconds")) || 2;
    var refresh = document.querySelector("[data-refresh-link]");
    if (refresh) { refresh.hidden = true; }

    function schedule() { window.setTimeout(poll, seconds * 1000); }

    function poll() {
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
            .then(function (response) {
                if (!response.ok) {
                    // No longer reachable (logged out, no permission): stop.
                    var error = new Error("status " + response.status);
                    error.final = true;
                    throw error;
                }
                return response.json();
            })
            .then(function (data) {
                if (data.state !== state) {
                    state = data.state;
                    panel.innerHTML = data.html;
                    panel.setAttribute("data-state", state);
                }
                if (data.status !== "closed") { schedule(); }
            })
            .catch(function (error) {
                if (refresh) { refresh.hidden = false; }
                // A network hiccup: try again a little later.
                if (!error.final) { window.setTimeout(poll, seconds * 5000); }
            });
    }

    schedule();
})();
