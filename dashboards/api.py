"""The dashboard over the REST API: figures and trends for the user's scope (DESIGN.md §7)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards.models import Grain
from dashboards.selectors import TAB_ALL, TABS, Dashboard, Figures, Trends, dashboard_figures, dashboard_trends
from grs.api_schema import refusals

_RANGE_HELP = (
    "Inclusive Asia/Dhaka dates (YYYY-MM-DD); either end may be left open. Flows (received, resolved, "
    "rejected, closed, forwarded, appealed, appeals decided, marked overdue, days to resolve, in time, "
    "satisfaction) count what happened in the range; pending and overdue count the grievances filed in "
    "the range that are still open (and past their deadline) today."
)


class DashboardQuery(serializers.Serializer):
    office = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Narrow the dashboard to this office's subtree (its code); 404 outside your scope.",
    )
    tab = serializers.ChoiceField(choices=TABS, default=TAB_ALL, help_text="Grievance type, or all of them.")
    simulated = serializers.BooleanField(
        default=False, help_text="Include pilot / simulated grievances (left out by default)."
    )

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword: declared here so the query parameters keep the contract's names.
        fields["from"] = serializers.DateField(required=False, help_text=f"Start of the date range. {_RANGE_HELP}")
        fields["to"] = serializers.DateField(required=False, help_text="End of the date range (inclusive).")
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            # Same message as the selector's, raised here so that it is keyed by the parameter.
            raise serializers.ValidationError({"to": [_("The end of the date range comes before its start.")]})
        return attrs


class TrendsQuery(DashboardQuery):
    interval = serializers.ChoiceField(
        choices=[("week", "week"), ("month", "month")], default="month", help_text="One point per week or month."
    )


class SatisfactionOutput(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True, help_text="Mean rating (1–5) given in the range.")
    count = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField(), help_text='Ratings "1" to "5" → count.')


class FiguresOutput(serializers.Serializer):
    received = serializers.IntegerField(help_text="Filed in the scope, or forwarded into it from outside.")
    resolved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    closed = serializers.IntegerField(help_text="Anonymous grievances closed as filed, no action.")
    forwarded = serializers.IntegerField(help_text="Forwarded out: to an office outside the scope (or row).")
    pending = serializers.IntegerField(help_text="Still open at an office of the scope (the tally rule).")
    overdue = serializers.IntegerField(help_text="Pending and past their deadline.")
    appealed = serializers.IntegerField()
    appeals_decided = serializers.IntegerField()
    marked_overdue = serializers.IntegerField(help_text="Grievances the SLA sweep marked overdue in the range.")
    average_days_to_resolve = serializers.FloatField(
        allow_null=True, help_text="Working days from filing to resolution (the citizen's clock)."
    )
    resolved_in_time = serializers.IntegerField()
    resolved_in_time_share = serializers.FloatField(
        allow_null=True, help_text="Share (0–1) resolved by the date promised at filing."
    )
    satisfaction = SatisfactionOutput()

    def to_representation(self, instance: Figures):
        return instance.as_dict()


class HeldOutput(serializers.Serializer):
    pending = serializers.IntegerField()
    overdue = serializers.IntegerField()


class OfficeRowOutput(FiguresOutput):
    code = serializers.CharField()
    name = serializers.CharField()
    layer = serializers.CharField()
    subtree = serializers.BooleanField(help_text="The office with everything below it; false: the office alone.")
    held = HeldOutput(help_text="Pending and overdue at the office itself: the tally rule, row by row.")

    def to_representation(self, row):
        return {
            "code": row.code,
            "name": row.name,
            "layer": row.office.layer,
            "subtree": row.subtree,
            **row.figures.as_dict(),
            "held": {"pending": row.held.pending, "overdue": row.held.overdue},
        }


class ProgrammeRowOutput(FiguresOutput):
    code = serializers.CharField()
    name = serializers.CharField()
    g2p = serializers.BooleanField()

    def to_representation(self, row):
        return {"code": row.code, "name": row.name, "g2p": row.g2p, **row.figures.as_dict()}


class CategoryRowOutput(FiguresOutput):
    slug = serializers.CharField(allow_null=True, help_text="social-protection for Social Protection; null: none.")
    name = serializers.CharField()
    programmes = ProgrammeRowOutput(many=True)

    def to_representation(self, row):
        return {
            "slug": row.slug,
            "name": row.name,
            **row.figures.as_dict(),
            "programmes": [ProgrammeRowOutput(p).data for p in row.programmes],
        }


class ChannelRowOutput(FiguresOutput):
    channel = serializers.CharField()
    name = serializers.CharField()

    def to_representation(self, row):
        return {"channel": row.channel, "name": row.name, **row.figures.as_dict()}


class DistrictRowOutput(FiguresOutput):
    id = serializers.IntegerField()
    name = serializers.CharField()

    def to_representation(self, row):
        return {"id": row.area.pk, "name": row.name, **row.figures.as_dict()}


class ScopeOutput(serializers.Serializer):
    office = serializers.CharField(allow_null=True, help_text="The office the dashboard is about; null for several.")
    name = serializers.CharField(allow_null=True)
    parent = serializers.CharField(allow_null=True, help_text="One level up, when it is in your scope.")
    everything = serializers.BooleanField()

    def to_representation(self, region):
        return {
            "office": region.office.code if region.office else None,
            "name": region.office.name if region.office else None,
            "parent": region.parent.code if region.parent else None,
            "everything": region.everything,
        }


class DashboardOutput(serializers.Serializer):
    scope = ScopeOutput()
    tab = serializers.CharField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    include_simulated = serializers.BooleanField()
    totals = FiguresOutput()
    by_office = OfficeRowOutput(many=True)
    by_category = CategoryRowOutput(many=True)
    by_channel = ChannelRowOutput(many=True)
    by_district = DistrictRowOutput(many=True)
    g2p = FiguresOutput(help_text="Grievances about G2P services or programmes only.")

    def to_representation(self, dashboard: Dashboard):
        return {
            "scope": ScopeOutput(dashboard.region).data,
            "tab": dashboard.tab,
            "date_from": dashboard.date_from,
            "date_to": dashboard.date_to,
            "include_simulated": dashboard.include_simulated,
            "totals": dashboard.totals.as_dict(),
            "by_office": [OfficeRowOutput(row).data for row in dashboard.by_office],
            "by_category": [CategoryRowOutput(row).data for row in dashboard.by_category],
            "by_channel": [ChannelRowOutput(row).data for row in dashboard.by_channel],
            "by_district": [DistrictRowOutput(row).data for row in dashboard.by_district],
            "g2p": dashboard.g2p.as_dict(),
        }


class TrendPointOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    marked_overdue = serializers.IntegerField()
    satisfaction = SatisfactionOutput()

    def to_representation(self, point):
        figures = point.figures.as_dict()
        return {
            "start": point.start,
            "end": point.end,
            "received": figures["received"],
            "resolved": figures["resolved"],
            "marked_overdue": figures["marked_overdue"],
            "satisfaction": figures["satisfaction"],
        }


class TrendsOutput(serializers.Serializer):
    scope = ScopeOutput()
    interval = serializers.CharField()
    points = TrendPointOutput(many=True)

    def to_representation(self, trends: Trends):
        return {
            "scope": ScopeOutput(trends.region).data,
            "interval": "week" if trends.interval == Grain.WEEK else "month",
            "points": [TrendPointOutput(point).data for point in trends.points],
        }


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    extra = {"interval": Grain.WEEK if values["interval"] == "week" else Grain.MONTH} if "interval" in values else {}
    return {
        **extra,
        "office_code": values.get("office") or None,
        "tab": values["tab"],
        "date_from": values.get("from"),
        "date_to": values.get("to"),
        "include_simulated": values["simulated"],
    }


class DashboardApi(APIView):
    """Figures for your scope: a Cabinet Division monitor sees every ministry, a focal point their office's
    subtree, a GRO or Appeal Officer their office. Totals, one row per child office (drill down with
    ``office``), and breakdowns by category (Social Protection first, with its programmes), channel and
    district, and for G2P grievances. Read from pre-aggregated tallies. 403 for users with no dashboard."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[DashboardQuery], responses={200: DashboardOutput, **refusals(403, 404)})
    def get(self, request):
        dashboard = dashboard_figures(request.user, **_query(DashboardQuery, request))
        return Response(DashboardOutput(dashboard).data)


class DashboardTrendsApi(APIView):
    """Received vs resolved, grievances marked overdue and satisfaction, per week or month. Each point counts
    its whole week (Sunday to Saturday) or month; without ``from``, the twelve weeks or months to ``to``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[TrendsQuery], responses={200: TrendsOutput, **refusals(403, 404)})
    def get(self, request):
        trends = dashboard_trends(request.user, **_query(TrendsQuery, request))
        return Response(TrendsOutput(trends).data)
