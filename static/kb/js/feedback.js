// Progressive enhancement of "Was this helpful?": post without leaving the
// page. Without this file the form posts and the server redirects back.
(function () {
    "use strict";
    document.querySelectorAll("form[data-kb-feedback]").forEach(function (form) {
        form.addEventListener("submit", function (event) {
            if (!window.fetch || !window.FormData) return;
            event.preventDefault();
            var status = form.parentNode.querySelector(".kb-feedback-status");
            var button = form.querySelector("button[type=submit]");
            if (button) button.disabled = true;
            fetch(form.action, {
                method: "POST",
                body: new FormData(form),
                headers: { "Accept": "application/json" },
                credentials: "same-origin"
            }).then(function (response) {
                return response.json().then(function (data) {
                    if (status) status.textContent = data.message;
                    if (data.ok) {
                        form.hidden = true;
                    } else if (button) {
                        button.disabled = false;
                    }
                });
            }).catch(function () {
                // Network trouble: fall back to a normal post.
                form.submit();
            });
        });
    });
})();
