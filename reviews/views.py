from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Credit, Film, Person, Review, group_by_role, tags_with_counts
from .recommendations import blended_related
from .search import search_reviews


class ReviewListView(ListView):
    template_name = "reviews/review_list.html"
    context_object_name = "reviews"
    paginate_by = 12

    def get_queryset(self):
        return Review.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        popular_tags = tags_with_counts().order_by("-item_count", "name")[:15]
        return super().get_context_data(popular_tags=popular_tags, **kwargs)


class ReviewDetailView(DetailView):
    """A published review; staff may also preview drafts and scheduled reviews."""

    template_name = "reviews/review_detail.html"
    context_object_name = "review"

    def get_queryset(self):
        reviews = Review.objects.all() if self.request.user.is_staff else Review.objects.published()
        return reviews.select_related("film").prefetch_related(
            "tags",
            "pull_quotes",
            "further_reading",
            Prefetch("film__credits", queryset=Credit.objects.select_related("person")),
        )

    def get_context_data(self, **kwargs):
        other_reviews = self.object.film.reviews.published().exclude(pk=self.object.pk)
        return super().get_context_data(
            other_reviews=other_reviews,
            related_films=blended_related(self.object.film),
            **kwargs,
        )


class FilmListView(ListView):
    template_name = "reviews/film_list.html"
    context_object_name = "films"
    paginate_by = 30

    def get_queryset(self):
        return Film.objects.reviewed().with_rating_summary().order_by("title", "year")


class FilmDetailView(DetailView):
    template_name = "reviews/film_detail.html"
    context_object_name = "film"
    queryset = Film.objects.prefetch_related(
        "tags", Prefetch("credits", queryset=Credit.objects.select_related("person"))
    )

    def get_context_data(self, **kwargs):
        average, count = self.object.rating_summary()
        return super().get_context_data(
            reviews=self.object.reviews.published(),
            rating_average=average,
            rating_count=count,
            related_films=blended_related(self.object),
            **kwargs,
        )


class PersonDetailView(DetailView):
    template_name = "reviews/person_detail.html"
    context_object_name = "person"
    model = Person

    def get_context_data(self, **kwargs):
        credits = self.object.credits.select_related("film").order_by("-film__year", "film__title")
        return super().get_context_data(roles=group_by_role(credits), **kwargs)


class TagDetailView(ListView):
    template_name = "reviews/tag_detail.html"
    context_object_name = "reviews"
    paginate_by = 12

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return Review.objects.published().filter(tags=self.tag).for_listing()

    def get_context_data(self, **kwargs):
        films = Film.objects.filter(tags=self.tag)
        return super().get_context_data(tag=self.tag, films=films, **kwargs)


class TagListView(ListView):
    template_name = "reviews/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return tags_with_counts().order_by("name")


class SearchView(ListView):
    """Published reviews matching ``?q=``, best first; ``?page=`` out of range is a 404."""

    template_name = "reviews/search.html"
    context_object_name = "results"
    paginate_by = 10

    def get_queryset(self):
        self.results = search_reviews(self.request.GET.get("q", ""))
        return self.results

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_query=self.results.query, **kwargs)
