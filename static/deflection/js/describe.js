// Progressive enhancement of the first step of "New case": while the customer
// types (debounced), fetch the suggestions from /api/deflection/suggest/ and
// draw them where the server would. Without JavaScript the "Show matching
// articles" button does the same through a round trip.
(function () {
    "use strict";
    var form = document.querySelector("[data-deflection-form]");
    if (!form || !window.fetch) { return; }
    var description = form.querySelector("#id_description");
    var line = form.querySelector("#id_product_line");
    var region = form.querySelector("[data-suggestions]");
    var solved = form.querySelector("[data-solved-button]");
    var texts = document.getElementById("suggestion-texts").dataset;
    var url = form.getAttribute("data-suggest-url");
    var timer = null;
    var controller = null;
    var last = "";

    function element(tag, text, className) {
        var node = document.createElement(tag);
        if (text) { node.textContent = text; }
        if (className) { node.className = className; }
        return node;
    }

    function draw(data) {
        region.textContent = "";
        var heading = element("h2", texts.heading);
        heading.id = "suggestions-heading";
        region.appendChild(heading);
        if (data.codes && data.codes.length) {
            region.appendChild(element("p", texts.codes + " " + data.codes.join(", "), "codes"));
        }
        if (data.articles.length) {
            var list = element("ol", "", "suggestion-list");
            data.articles.forEach(function (article) {
                var item = element("li");
                var link = element("a", article.title);
                link.href = article.open_url;
                item.appendChild(link);
                var pageLanguage = document.documentElement.lang || "";
                if (article.lang && pageLanguage && article.lang !== pageLanguage.split("-")[0]) {
                    // An article of another language (none in the reader's):
                    // named in its own language, as the server-rendered list does.
                    item.lang = article.lang;
                    var name = article.lang;
                    try { name = new Intl.DisplayNames([article.lang], {type: "language"}).of(article.lang); } catch (e) { /* keep the code */ }
                    var badge = element("span", "", "badge badge-language");
                    badge.appendChild(element("span", texts.language + ": ", "visually-hidden"));
                    badge.appendChild(document.createTextNode(name));
                    item.appendChild(document.createTextNode(" "));
                    item.appendChild(badge);
                }
                if (article.matched_codes.length) {
                    item.appendChild(document.createTextNode(" "));
                    item.appendChild(element("span", "(" + texts.codeMatch + " " + article.matched_codes.join(", ") + ")", "muted"));
                }
                if (article.summary) { item.appendChild(element("p", article.summary)); }
                list.appendChild(item);
            });
            region.appendChild(list);
        } else {
            region.appendChild(element("p", texts.none, "empty"));
        }
        if (data.news.length) {
            region.appendChild(element("h3", texts.news));
            var news = element("ul", "", "news-list");
            data.news.forEach(function (entry) {
                var item = element("li");
                var link = element("a", entry.title);
                link.href = entry.url;
                item.appendChild(link);
                news.appendChild(item);
            });
            region.appendChild(news);
        }
        if (data.search_url) {
            var paragraph = element("p", "", "search-link");
            var search = element("a", texts.search);
            search.href = data.search_url;
            paragraph.appendChild(search);
            region.appendChild(paragraph);
        }
        if (solved) { solved.hidden = !data.articles.length; }
    }

    function fetchSuggestions() {
        var text = description.value.trim();
        var key = text + "\u0000" + (line ? line.value : "");
        if (text.length < 3 || key === last) { return; }
        last = key;
        if (controller) { controller.abort(); }
        controller = window.AbortController ? new AbortController() : null;
        var params = new URLSearchParams({q: text, lang: form.getAttribute("data-language") || ""});
        if (line && line.value) { params.set("product_line", line.value); }
        fetch(url + "?" + params.toString(), {
            credentials: "same-origin",
            headers: {"Accept": "application/json"},
            signal: controller ? controller.signal : undefined
        }).then(function (response) {
            if (!response.ok) { throw new Error(response.status); }
            return response.json();
        }).then(draw).catch(function () { /* the button still works */ });
    }

    function schedule() {
        window.clearTimeout(timer);
        timer = window.setTimeout(fetchSuggestions, 300);
    }

    description.addEventListener("input", schedule);
    if (line) { line.addEventListener("change", function () { last = ""; schedule(); }); }
    if (description.value.trim().length >= 3 && !region.children.length) { schedule(); }

    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
})();
