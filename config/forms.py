"""Glue shared by the server-rendered forms of the staff and guest pages."""

from __future__ import annotations

from django import forms


def html_attrs(**attrs) -> dict:
    """Widget attributes written as keywords: `html_attrs(data_x=1)` is `{"data-x": 1}`."""
    return {key.replace("_", "-"): value for key, value in attrs.items()}


class PageForm(forms.Form):
    """A form of a page that must work without JavaScript and with a screen reader (DESIGN 7, 10).

    - `add_api_errors` shows the booking API's `{field: [messages]}` errors next to the fields they
      name: the pages use the API's JSON keys as field names, so the serializers judge once and their
      errors land where the user typed. Errors of `hidden_api_fields` and of unknown keys go above
      the form; so do the form's own errors of hidden fields when the form sets `hidden_error`, as
      that one sentence (a hidden value is not something the user typed: its own message would make
      no sense to them).
    - Fields with errors say so (`aria-invalid`, `aria-describedby` naming the error text) and the
      first one takes the focus (`autofocus`) when the page comes back.
    """

    hidden_api_fields: frozenset[str] = frozenset()
    hidden_error: str | None = None

    def full_clean(self) -> None:
        super().full_clean()
        if self.hidden_error and self._errors:
            hidden = [name for name in self._errors if name in self.fields and self.fields[name].widget.is_hidden]
            for name in hidden:
                del self._errors[name]
            if hidden:
                self.add_error(None, self.hidden_error)
        self.mark_errors()

    def add_api_errors(self, details: dict) -> None:
        for field, messages in details.items():
            messages = messages if isinstance(messages, list) else [messages]
            shown = field in self.fields and field not in self.hidden_api_fields
            self.add_error(field if shown else None, [str(m) for m in messages])
        self.mark_errors()

    def mark_errors(self) -> None:
        first = True
        for name, field in self.fields.items():
            if name not in self.errors or field.widget.is_hidden:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_error"]
            if field.help_text:
                described.insert(0, f"{bound.auto_id}_helptext")
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})
            field.widget.attrs.pop("autofocus", None)
            if first:
                field.widget.attrs["autofocus"] = True
                first = False
