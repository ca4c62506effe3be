import inspect

from paritrana.core import errors
from paritrana.core.errors import InvalidInput, OutOfRange, OutOfScope, ParitranaError, PermissionDenied


def test_error_body_names_the_field_and_fills_the_message() -> None:
    exc = OutOfRange(field="income", minimum=1_000_000, maximum=20_700_000, value=999)
    assert exc.as_body() == {
        "code": "out_of_range",
        "message": "income must be between 1000000 and 20700000; got 999.",
        "details": {"field": "income", "minimum": 1_000_000, "maximum": 20_700_000, "value": 999},
    }
    assert exc.status == 422 and isinstance(exc, InvalidInput)


def test_message_is_translated_by_the_given_gettext() -> None:
    exc = OutOfScope(region="36.72")
    assert exc.render_message(lambda m: "Di luar wilayah Anda: {region}") == "Di luar wilayah Anda: 36.72"


def test_a_missing_placeholder_stays_visible_instead_of_raising() -> None:
    assert InvalidInput().render_message() == "The value of {field} is not valid."


def test_every_error_class_is_drawn_in_the_docstring_tree() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, ParitranaError)]
    doc = errors.__doc__ or ""
    for cls in classes:
        assert f"{cls.__name__} " in doc, cls.__name__
        assert f" {cls.status} {cls.code}" in doc or f"{cls.status} {cls.code}" in doc, cls.__name__
    assert issubclass(OutOfScope, PermissionDenied)
