from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from core.throttle import ThrottledFormMixin

from . import conf
from .forms import (
    JoinDecisionForm,
    LoginForm,
    RegistrationForm,
    ResendVerificationForm,
)
from .membership import (
    APPROVE,
    JoinLinkInvalid,
    JoinRequestDecided,
    JoinRequestError,
    JoinRequestForbidden,
    company_members,
    decide_join_request,
    has_company_access,
    join_requests_to_decide,
    pending_join_request,
    read_join_link,
)
from .services import (
    register_customer_user,
    resend_verification_email,
    send_password_reset_email,
    verify_email,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"

    def get_default_redirect_url(self):
        # Show the "logged out" page in the language the user was reading,
        # instead of LOGOUT_REDIRECT_URL ("/"), whose language would come from
        # the browser. A safe ``next`` still wins.
        return self.request.path


class ProfileView(LoginRequiredMixin, TemplateView):
    """The reserved area's landing page: who you are and for which company."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["join_request"] = pending_join_request(user)
        context["company_access"] = has_company_access(user)
        if context["company_access"]:
            context["requests_to_decide"] = join_requests_to_decide(user).count()
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(ThrottledFormMixin, auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    throttle_scope = "password_reset"

    def throttle_rate(self) -> tuple[int, int]:
        return conf.RESET_RATE

    def form_valid(self, form):
        # Through the outbox (retried), not Django's form.save(), which sends
        # at once and loses the link if SMTP is down.
        send_password_reset_email(
            form.cleaned_data["email"],
            self.request.build_absolute_uri("/"),
            get_language(),
        )
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class RegisterView(ThrottledFormMixin, FormView):
    template_name = "accounts/register.html"
    form_class = RegistrationForm
    # Registration proves membership with two codes: throttle guessing.
    throttle_scope = "register"

    def throttle_rate(self) -> tuple[int, int]:
        return conf.REGISTER_RATE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:profile")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        register_customer_user(
            customer=data["customer"],
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            request_base_url=self.request.build_absolute_uri("/"),
            language=get_language(),
        )
        return redirect("accounts:register_done")


class RegisterDoneView(TemplateView):
    template_name = "accounts/register_done.html"


class VerifyEmailView(View):
    def get(self, request, uidb64, token):
        user = verify_email(uidb64, token, request.build_absolute_uri("/"))
        if user is None:
            return render(request, "accounts/verify_email_invalid.html", status=400)
        join_request = pending_join_request(user)
        if join_request is not None:
            messages.success(
                request,
                _(
                    "Your e-mail address is confirmed: you can log in now. The "
                    "users of %(company)s have been asked to approve your "
                    "request: until one of them does, you see none of the "
                    "company's cases."
                )
                % {"company": join_request.customer.name},
            )
        else:
            messages.success(
                request, _("Your e-mail address is confirmed: you can log in now.")
            )
        return redirect("accounts:login")


class ResendVerificationView(ThrottledFormMixin, FormView):
    """Ask for a new confirmation link (the first mail may be lost or expired).
    The answer is the same whatever the address."""

    template_name = "accounts/resend_verification.html"
    form_class = ResendVerificationForm
    throttle_scope = "resend_verification"

    def throttle_rate(self) -> tuple[int, int]:
        return conf.RESEND_RATE

    def form_valid(self, form):
        resend_verification_email(
            form.cleaned_data["email"],
            self.request.build_absolute_uri("/"),
            get_language(),
        )
        return redirect("accounts:resend_verification_done")


class ResendVerificationDoneView(TemplateView):
    template_name = "accounts/resend_verification_done.html"


class MembersView(LoginRequiredMixin, View):
    """The company's users and the requests to join it, each with approve and
    refuse buttons (plain POST forms). Only for users with access to a
    company; anyone else gets a 404."""

    def get(self, request):
        user = request.user
        if not has_company_access(user):
            raise Http404
        return render(
            request,
            "accounts/members.html",
            {
                "customer": user.customer,
                "members": company_members(user.customer),
                "join_requests": join_requests_to_decide(user),
            },
        )


class DecideJoinRequestView(LoginRequiredMixin, View):
    """POST from the members page: approve or refuse one request. A GET (the
    address after logging in, when the session had expired before the
    button was pressed) goes to the members page, where the buttons are."""

    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return redirect("accounts:members")

    def post(self, request, pk):
        form = JoinDecisionForm(request.POST)
        if not form.is_valid():
            return redirect("accounts:members")
        decision = form.cleaned_data["decision"]
        try:
            join_request = decide_join_request(
                pk, request.user, decision, request.build_absolute_uri("/")
            )
        except JoinRequestForbidden:
            raise Http404 from None
        except JoinRequestDecided:
            messages.info(request, _("This request has already been decided."))
            return redirect("accounts:members")
        messages.success(request, _decided_message(join_request, decision))
        return redirect("accounts:members")


class JoinLinkView(LoginRequiredMixin, View):
    """An approve or refuse link from the e-mail. Opening it only asks for
    confirmation (mail scanners open links too); the button decides."""

    def get(self, request, token):
        try:
            join_request, decision = read_join_link(token, request.user)
        except JoinLinkInvalid:
            return render(request, "accounts/join_link_invalid.html", status=400)
        return render(
            request,
            "accounts/join_link.html",
            {"join_request": join_request, "decision": decision},
        )

    def post(self, request, token):
        try:
            join_request, decision = read_join_link(token, request.user)
            join_request = decide_join_request(
                join_request.pk,
                request.user,
                decision,
                request.build_absolute_uri("/"),
            )
        except JoinRequestError:
            return render(request, "accounts/join_link_invalid.html", status=400)
        messages.success(request, _decided_message(join_request, decision))
        return redirect("accounts:members")


def _decided_message(join_request, decision: str) -> str:
    names = {
        "person": join_request.user.get_full_name() or join_request.user.email,
        "company": join_request.customer.name,
    }
    if decision == APPROVE:
        return _("%(person)s is now a user of %(company)s.") % names
    return _("The request of %(person)s to join %(company)s was refused.") % names
