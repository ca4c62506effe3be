"""Print the table of every figure in src/paritrana/rules/data/rates.toml, for docs/rules.md.

    uv run python scripts/rules_table.py > /tmp/table.md   # then paste it under "Every figure"
tests/rules/test_book_and_properties.py fails when a figure is missing from the page.
"""

from paritrana.calculator.queries import value_text
from paritrana.rules import load_rules


def main() -> None:
    lines = ["| Key | Value | From | To | Source | Status |", "|---|---|---|---|---|---|"]
    for e in sorted(load_rules().entries, key=lambda e: (e.key, e.effective_from)):
        status = e.citation.status + (f": {e.citation.note}" if e.citation.note else "")
        lines.append(
            f"| `{e.key}` | {value_text(e.value)} | {e.effective_from} | {e.effective_to or ''} | "
            f"{e.citation.regulation}, {e.citation.article} | {status} |"
        )
    print("\n".join(lines))  # noqa: T201 - the script's output


if __name__ == "__main__":
    main()
