"""The admin's account forms: every email typed in is stripped and lower-cased."""

from unfold import forms as unfold_forms

from accounts.models import User


class NormalisedEmailMixin:
    """One spelling per address: the login, the API and the unique constraint all agree."""

    cleaned_data: dict

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()


class UserCreationForm(NormalisedEmailMixin, unfold_forms.UserCreationForm):
    class Meta(unfold_forms.UserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes: dict = {}


class UserChangeForm(NormalisedEmailMixin, unfold_forms.UserChangeForm):
    # The password field stays (unfold's form styles it) but no fieldset shows it: staff
    # never follow a link to set anyone's password.
    class Meta(unfold_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict = {}
