// Suggestions as you type in the header search box (progressive enhancement:
// without this file the box is a plain GET form to the search page).
// ARIA 1.2 combobox with a listbox popup: arrow keys move through the
// suggestions, Enter opens the chosen one (or searches), Escape closes.
(function () {
    "use strict";
    var DELAY = 200;
    var MIN_CHARS = 2;

    function setUp(form) {
        var input = form.querySelector("input[name=q]");
        var box = form.querySelector(".site-search-box");
        if (!input || !box || !window.fetch) return;
        var url = form.getAttribute("data-suggest-url");
        var lang = form.getAttribute("data-lang") || "";
        var listId = input.id + "-suggestions";
        var list = document.createElement("ul");
        list.id = listId;
        list.className = "suggest-list";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", form.getAttribute("data-suggestions-label") || "");
        list.hidden = true;
        box.appendChild(list);
        var status = document.createElement("div");
        status.className = "visually-hidden";
        status.setAttribute("role", "status");
        status.setAttribute("aria-live", "polite");
        box.appendChild(status);

        input.setAttribute("role", "combobox");
        input.setAttribute("aria-autocomplete", "list");
        input.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-controls", listId);

        var timer = null;
        var controller = null;
        var items = [];
        var active = -1;
        var lastText = "";

        function close() {
            list.hidden = true;
            input.setAttribute("aria-expanded", "false");
            input.removeAttribute("aria-activedescendant");
            active = -1;
        }

        function choose(index) {
            var option = list.children[index];
            if (!option) return;
            active = index;
            for (var i = 0; i < list.children.length; i++) {
                list.children[i].setAttribute("aria-selected", i === index ? "true" : "false");
            }
            input.setAttribute("aria-activedescendant", option.id);
            option.scrollIntoView({ block: "nearest" });
        }

        function open(index) {
            var item = items[index];
            if (item && item.url) window.location.assign(item.url);
        }

        function announce(count) {
            var template = count === 1
                ? form.getAttribute("data-count-one")
                : form.getAttribute("data-count-many");
            status.textContent = count ? (template || "").replace("%(count)s", count) : "";
        }

        function render(suggestions) {
            items = suggestions;
            list.textContent = "";
            active = -1;
            input.removeAttribute("aria-activedescendant");
            suggestions.forEach(function (item, index) {
                var option = document.createElement("li");
                option.id = listId + "-" + index;
                option.setAttribute("role", "option");
                option.setAttribute("aria-selected", "false");
                option.textContent = item.title;
                // mousedown, not click: it comes before the input loses focus.
                option.addEventListener("mousedown", function (event) {
                    event.preventDefault();
                    open(index);
                });
                list.appendChild(option);
            });
            if (suggestions.length) {
                list.hidden = false;
                input.setAttribute("aria-expanded", "true");
            } else {
                close();
            }
            announce(suggestions.length);
        }

        function fetchSuggestions() {
            var text = input.value.trim();
            if (text === lastText) return;
            lastText = text;
            if (text.length < MIN_CHARS) {
                render([]);
                return;
            }
            if (controller) controller.abort();
            controller = window.AbortController ? new AbortController() : null;
            var query = "?q=" + encodeURIComponent(text) + (lang ? "&lang=" + encodeURIComponent(lang) : "");
            fetch(url + query, {
                credentials: "same-origin",
                headers: { Accept: "application/json" },
                signal: controller ? controller.signal : undefined
            })
                .then(function (response) { return response.ok ? response.json() : []; })
                .then(function (data) {
                    if (input.value.trim() === text) render(Array.isArray(data) ? data : []);
                })
                .catch(function () { /* aborted or offline: keep the plain form */ });
        }

        input.addEventListener("input", function () {
            window.clearTimeout(timer);
            timer = window.setTimeout(fetchSuggestions, DELAY);
        });
        input.addEventListener("keydown", function (event) {
            var count = list.children.length;
            if (event.key === "ArrowDown" && count) {
                event.preventDefault();
                if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
                choose(active + 1 >= count ? 0 : active + 1);
            } else if (event.key === "ArrowUp" && count) {
                event.preventDefault();
                choose(active <= 0 ? count - 1 : active - 1);
            } else if (event.key === "Enter" && !list.hidden && active >= 0) {
                event.preventDefault();
                open(active);
            } else if (event.key === "Escape" && !list.hidden) {
                event.preventDefault();
                close();
            }
        });
        input.addEventListener("blur", function () { window.setTimeout(close, 100); });
        input.addEventListener("focus", function () {
            if (list.children.length && input.value.trim() === lastText) {
                list.hidden = false;
                input.setAttribute("aria-expanded", "true");
            }
        });
    }

    document.querySelectorAll("form.site-search[data-suggest-url]").forEach(setUp);
})();
