"""Award pages, by role. Thin: every read goes through ``award.queries`` (which holds the visibility rules) and every
POST calls one action of ``award.actions``; a refusal is shown on the same page with what the person typed, a
missing right goes up to the error page (403), as on the sponsorship pages.

- committee: editions (create), an edition (move its stage, with the check list of the move and a reason when a
  check fails; add a category), a category (criteria with weights, the framework as YAML/JSON, invitation,
  participants, indicator values, panel, the check lists of lock, approval and publication, missing values and
  the decisions on them, results with sensitivity and the TOPSIS/VIKOR cross-check, spreadsheets out and in), the
  ranking as it stands (a read) with the button that saves it, a participant (verification: accept or return with
  notes, scores of text answers); the award zones (the national committee edits them);
- regional operator: its participations and the self-assessment form of each (answers, evidence, submission);
- jury: the panels the user sits on; per participant the rubric form and the declaration of a conflict;
- a participant's page (committee, its operators, its panel): the score down to every leaf and judge, the
  stability of its rank and what would lift it one rank;
- public (``public_patterns``, mounted at ``/penghargaan/``, no login): published results per edition, category
  and zone, a participant's aspect scores, the certificates and the results workbook.

The pages of a family live in one module each (they import each other directly, never through this
``__init__``): ``editions``, ``categories`` (a category's page and its committee steps), ``results`` (the ranking,
the cross-check, the files out), ``participants``, ``assessment`` (with the evidence download), ``jury``,
``zones`` and ``public``; ``_common`` holds the helpers they share. ``urls.py`` takes every view from here.
"""

from paritrana.award.views.assessment import assessment, evidence, mine
from paritrana.award.views.categories import category
from paritrana.award.views.editions import edition, editions
from paritrana.award.views.jury import panels, score
from paritrana.award.views.participants import participant, participant_report
from paritrana.award.views.public import public_certificates, public_participant, public_results, public_results_xlsx
from paritrana.award.views.results import certificates, crosscheck, export, framework, ranking
from paritrana.award.views.zones import zones

__all__ = [
    "assessment",
    "category",
    "certificates",
    "crosscheck",
    "edition",
    "editions",
    "evidence",
    "export",
    "framework",
    "mine",
    "panels",
    "participant",
    "participant_report",
    "public_certificates",
    "public_participant",
    "public_results",
    "public_results_xlsx",
    "ranking",
    "score",
    "zones",
]
