"""The one GOV.UK form rendering (FORM_RENDERER) and the GOV.UK component tags."""

import re

from django import forms
from django.template import Context, Template
from django.test import RequestFactory

from integration.forms import GovukBoundField, GovukFormRenderer


class ExampleForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As on your badge", max_length=5)
    rating = forms.ChoiceField(
        label="Rating",
        choices=[("red", "Red"), ("amber", "Amber"), ("green", "Green")],
        widget=forms.RadioSelect,
    )
    teams = forms.MultipleChoiceField(
        label="Teams",
        choices=[("a", "Adults"), ("c", "Children")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    body = forms.ChoiceField(label="Body", choices=[("", "None"), ("hwb", "HWB")], required=False)
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(label="File", required=False)
    days = forms.IntegerField(label="Days", required=False)


def _render(source: str, **context) -> str:
    return Template("{% load integration_tags %}" + source).render(Context(context))


def _invalid_form() -> ExampleForm:
    form = ExampleForm({"name": "far too long", "rating": "amber", "note": "Kept as typed"})
    assert not form.is_valid()
    return form


def test_every_form_binds_its_fields_through_the_govuk_renderer():
    form = ExampleForm()
    assert isinstance(form.renderer, GovukFormRenderer)
    assert isinstance(form["name"], GovukBoundField)


def test_a_field_with_an_error_renders_the_govuk_error_markup():
    html = _render("{{ form.name.as_field_group }}", form=_invalid_form())
    assert '<div class="govuk-form-group govuk-form-group--error">' in html
    assert '<label class="govuk-label" for="id_name">Your name</label>' in html
    assert '<div id="id_name-hint" class="govuk-hint">As on your badge</div>' in html
    assert (
        '<p id="id_name-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> Ensure this value has at most 5 '
        "characters (it has 12).</p>"
    ) in html
    widget = re.search(r"<input [^>]*>", html)
    assert widget is not None
    assert 'class="govuk-input govuk-input--error"' in widget.group()
    assert 'aria-describedby="id_name-hint id_name-error"' in widget.group()
    assert 'value="far too long"' in widget.group()


def test_a_field_without_errors_has_no_error_markup():
    html = _render("{{ form.name.as_field_group }}", form=ExampleForm())
    assert "govuk-form-group--error" not in html
    assert "govuk-error-message" not in html
    assert 'aria-describedby="id_name-hint"' in html


def test_the_error_summary_links_each_message_to_its_field():
    html = _render('{% include "includes/error_summary.html" %}', form=_invalid_form())
    assert 'class="govuk-error-summary"' in html
    assert "There is a problem" in html
    assert '<li><a href="#id_name">Ensure this value has at most 5' in html


def test_radios_are_a_fieldset_whose_first_radio_carries_the_field_id():
    html = _render("{{ form.rating.as_field_group }}", form=_invalid_form())
    assert '<fieldset class="govuk-fieldset">' in html
    legend = '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Rating</legend>'
    assert legend in html
    assert 'class="govuk-radios govuk-radios--small"' in html
    assert 'id="id_rating" name="rating" type="radio" value="red">' in html
    assert 'id="id_rating-2" name="rating" type="radio" value="amber" checked>' in html
    assert '<label class="govuk-label govuk-radios__label" for="id_rating-3">Green</label>' in html


def test_a_radio_group_with_an_error_is_described_by_it():
    form = ExampleForm({"name": "Ann"})
    form.is_valid()
    html = _render("{{ form.rating.as_field_group }}", form=form)
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_rating-error">' in html
    assert '<p id="id_rating-error" class="govuk-error-message">' in html


def test_checkbox_groups_selects_textareas_file_and_number_inputs_get_govuk_classes():
    form = _invalid_form()
    html = _render(
        "{{ form.teams.as_field_group }}{{ form.body }}{{ form.note }}{{ form.file }}"
        "{{ form.days }}",
        form=form,
    )
    assert 'class="govuk-checkboxes govuk-checkboxes--small"' in html
    assert 'class="govuk-checkboxes__input" id="id_teams" name="teams" type="checkbox"' in html
    assert '<select name="body" class="govuk-select" id="id_body">' in html
    assert 'class="govuk-textarea" id="id_note">Kept as typed</textarea>' in html
    assert 'type="file" name="file" class="govuk-file-upload"' in html
    assert '<input type="text" inputmode="numeric" name="days"' in html


def test_field_group_options_size_inline_and_hide_the_label():
    form = ExampleForm()
    sized = _render('{{ form.name|field_group:"width-10 label-hidden" }}', form=form)
    assert 'class="govuk-input govuk-input--width-10"' in sized
    assert '<label class="govuk-label govuk-visually-hidden" for="id_name">' in sized
    inline = _render('{{ form.rating|field_group:"inline" }}', form=form)
    assert 'class="govuk-radios govuk-radios--small govuk-radios--inline"' in inline


def test_tag_shows_its_text_with_the_colour_it_is_given():
    assert _render('{% tag "Red" "govuk-tag--red" %}') == (
        '<strong class="govuk-tag govuk-tag--red">Red</strong>'
    )
    assert _render('{% tag "Beta" %}') == '<strong class="govuk-tag">Beta</strong>'
    assert _render('{% tag "On track" "govuk-tag--green" status="on_track" %}') == (
        '<strong class="govuk-tag govuk-tag--green" data-status="on_track">On track</strong>'
    )
    assert _render("{% tag text %}", text="<b>") == '<strong class="govuk-tag">&lt;b&gt;</strong>'


def test_summary_row_draws_a_key_and_value_with_attributes_on_the_value():
    html = _render(
        '{% summary_row "England" data_reference="england" %}{{ v }}{% endsummary_row %}', v="<1>"
    )
    assert html == (
        '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">England</dt>'
        '<dd class="govuk-summary-list__value" data-reference="england">&lt;1&gt;</dd></div>'
    )


def test_downloads_keep_the_page_filters_and_drop_the_page_number():
    request = RequestFactory().get("/list", {"rating": "red", "page": "2"})
    html = _render('{% downloads "the milestones" lead="Download these" %}', request=request)
    assert "Download these:" in html
    assert 'href="?rating=red&amp;format=csv"' in html
    assert 'href="?rating=red&amp;format=xlsx"' in html
    assert '<span class="govuk-visually-hidden"> file of the milestones</span>' in html
    assert "Print or save as PDF" not in html
    printable = _render('{% downloads "the report" printable=True %}', request=request)
    assert "Print or save as PDF" in printable
