"""The lottery's staff back office (django-unfold), one module per model."""

from django.contrib import admin

from lottery.admin import audit, ballots, draws, games, redraws

admin.site.index_title = "Today"

__all__ = ["audit", "ballots", "draws", "games", "redraws"]
