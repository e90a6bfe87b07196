// Progressive enhancement only: every page works without this file.
(function () {
    "use strict";
    // Move focus to the main region after "skip to content" for screen readers.
    document.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest(".skip-link");
        if (!link) return;
        var main = document.getElementById("main");
        if (main) { main.focus(); }
    });
})();
