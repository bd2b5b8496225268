from django import forms
from django.utils.translation import gettext_lazy as _


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class PhoneForm(_Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("The number you gave when filing, e.g. 01712345678. A code will be sent to it by SMS."),
    )


class CodeForm(_Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("6 digits."),
    )
