// Progressive enhancement: "Accept" is enabled only when every clause is
// ticked. Without this file the button is always enabled and the server
// refuses anything less than all six clauses.
(function () {
    "use strict";
    var form = document.querySelector("[data-clauses-form]");
    if (!form) { return; }
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[data-clause]"));
    var button = form.querySelector("[data-accept-button]");
    var hint = form.querySelector("[data-accept-hint]");
    if (!button || boxes.length === 0) { return; }
    if (hint) { button.setAttribute("aria-describedby", hint.id); }

    function update() {
        var all = boxes.every(function (box) { return box.checked; });
        button.disabled = !all;
        if (hint) { hint.hidden = all; }
    }

    boxes.forEach(function (box) { box.addEventListener("change", update); });
    // Back/forward navigation may restore ticks without change events.
    window.addEventListener("pageshow", update);
    update();
})();
