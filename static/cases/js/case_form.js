// Progressive enhancement of the case form: the area list shows only the areas
// of the chosen product line. Without JavaScript every area is listed, grouped
// by product line, and the server checks that the two match.
(function () {
    "use strict";
    var line = document.getElementById("id_product_line");
    var area = document.getElementById("id_area");
    if (!line || !area) { return; }

    function filterAreas() {
        var code = line.value;
        var groups = area.querySelectorAll("optgroup");
        Array.prototype.forEach.call(area.options, function (option) {
            var owner = option.getAttribute("data-product-line");
            if (!owner) { return; }
            var match = !code || owner === code;
            option.hidden = !match;
            option.disabled = !match;
            if (!match && option.selected) { area.value = ""; }
        });
        Array.prototype.forEach.call(groups, function (group) {
            var visible = group.querySelector("option:not([hidden])");
            group.hidden = !visible;
        });
    }

    line.addEventListener("change", filterAreas);
    filterAreas();

    // Log-aware suggestions: when an error log is chosen, send it to the
    // deflection API (read, not kept) and show the articles that list its
    // error codes before the case is sent. Without JavaScript the "Check my
    // log for known solutions" button does the same through a round trip.
    var check = document.querySelector("[data-log-check]");
    var log = document.getElementById("id_error_log");
    if (check && log && window.fetch && window.FormData && check.getAttribute("data-url")) {
        var region = check.querySelector("[data-log-suggestions]");
        var texts = document.getElementById("log-check-texts").dataset;
        var token = log.form.querySelector("[name=csrfmiddlewaretoken]");
        var controller = null;

        var element = function (tag, text, className) {
            var node = document.createElement(tag);
            if (text) { node.textContent = text; }
            if (className) { node.className = className; }
            return node;
        };
        var note = function (text) {
            region.textContent = "";
            region.appendChild(element("p", text, "log-check-note"));
        };
        var draw = function (data) {
            if (data.binary) { note(texts.binary); return; }
            if (!data.codes.length) { note(texts.noCodes); return; }
            region.textContent = "";
            region.appendChild(element("p", texts.codes + " " + data.codes.join(", "), "codes"));
            if (!data.articles.length) {
                region.appendChild(element("p", texts.none, "log-check-note"));
                return;
            }
            region.appendChild(element("h3", texts.heading));
            var list = element("ul", "", "suggestion-list");
            data.articles.forEach(function (article) {
                var item = element("li");
                var link = element("a", article.title);
                link.href = article.open_url;
                item.appendChild(link);
                if (article.matched_codes.length) {
                    item.appendChild(document.createTextNode(" "));
                    item.appendChild(element("span", "(" + texts.codeMatch + " " + article.matched_codes.join(", ") + ")", "muted"));
                }
                if (article.summary) { item.appendChild(element("p", article.summary)); }
                list.appendChild(item);
            });
            region.appendChild(list);
        };

        var checkLog = function () {
            if (!log.files || !log.files.length) { region.textContent = ""; return; }
            if (controller) { controller.abort(); }
            controller = window.AbortController ? new AbortController() : null;
            var body = new FormData();
            body.append("error_log", log.files[0]);
            body.append("product_line", line.value);
            body.append("lang", check.getAttribute("data-language") || "");
            note(texts.checking);
            fetch(check.getAttribute("data-url"), {
                method: "POST",
                body: body,
                credentials: "same-origin",
                headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"},
                signal: controller ? controller.signal : undefined
            }).then(function (response) {
                if (!response.ok) { throw new Error(String(response.status)); }
                return response.json();
            }).then(draw).catch(function (error) {
                if (error && error.name === "AbortError") { return; }
                note(texts.failed);
            });
        };
        log.addEventListener("change", checkLog);
        // A log chosen while the page was still loading, before this ran.
        if (log.files && log.files.length) { checkLog(); }
    }

    // Bring the error summary into view (and to screen readers) after a failed
    // submission.
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
})();
