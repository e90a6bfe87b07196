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

    // Bring the error summary into view (and to screen readers) after a failed
    // submission.
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
})();
