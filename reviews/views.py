from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Prefetch
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from core.pagecache import depend_on, depend_on_versions, expires_at
from core.pagination import ListingPaginator, SeekPaginator

from . import keys
from .fragments import article_keys, readers_article, related_films_html, review_article
from .models import (
    Credit,
    Critic,
    Film,
    Person,
    Review,
    add_listing_tags,
    add_review_summaries,
    group_by_role,
    is_common_tag,
    newest_tagged_films,
    tags_with_counts,
)
from .search import normalise_query, search_reviews


def shows_reviews(reviews):
    """For the page cache: the page being rendered shows these reviews and their films."""
    depend_on(*(keys.review(r.pk) for r in reviews), *(keys.film(r.film_id) for r in reviews))


def shows_critic(critic):
    """For the page cache: the page shows the critic's record and their published reviews."""
    depend_on(keys.critic(critic.pk))
    expires_at(critic.reviews.next_publication_time)


def shows_films(films):
    depend_on(*(keys.film(film.pk) for film in films))


def shows_listing():
    """For the page cache: the page lists published reviews, so it changes when they do."""
    depend_on(*LISTING_KEYS)
    expires_at(Review.objects.next_publication_time)


LISTING_KEYS = (keys.published_list(), keys.tags())


class SeeksPages:
    """For a list view with a SeekPaginator: its pages are found by where they start, kept
    until one of ``listing_keys`` changes or a scheduled review goes live.
    ``listing_name()`` names the list among the others."""

    paginator_class = ListingPaginator  # the newest 100 pages; older ones by search and tags
    listing_keys = LISTING_KEYS

    def listing_name(self):
        raise NotImplementedError

    def get_paginator(self, *args, **kwargs):
        return super().get_paginator(
            *args,
            listing=self.listing_name(),
            depends_on=self.listing_keys,
            changes_at=Review.objects.next_publication_time,
            **kwargs,
        )


class ReviewsPageByPage(SeeksPages):
    """For a list view of reviews (``for_listing``) with a SeekPaginator: the page shows the
    reviews it lists as cards, with their tags."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        add_listing_tags(context["object_list"])
        shows_reviews(context["object_list"])
        return context


class FilmsPaginator(SeekPaginator):
    max_pages = 1000  # every reviewed film, up to 30,000 of them


class ReviewListView(ReviewsPageByPage, ListView):
    template_name = "reviews/review_list.html"
    context_object_name = "reviews"
    paginate_by = 12

    def listing_name(self):
        return "home"

    def get_queryset(self):
        return Review.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        shows_listing()
        popular_tags = tags_with_counts().order_by("-item_count", "name")[:15]
        return super().get_context_data(popular_tags=popular_tags, **kwargs)


def review_page_context(review, request):
    """What the review page shows of the review: the review, and its article rendered
    (``fragments.review_article``). For the review page's view when the article is not
    kept, for previews, and for another app that shows the page again (with its form's
    errors, say)."""
    depend_on(keys.review(review.pk), *article_keys(review.pk, review.film_id))
    expires_at(review.film.reviews.next_publication_time)
    article, related_versions = review_article(request, review)
    depend_on_versions(related_versions)
    return {"review": review, "article": article}


class RedirectsFormerSlugs:
    """For a detail view by slug: a slug its page no longer has answers with a permanent
    redirect to the page's address now, when the visitor may see that page."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            moved = self.get_queryset().filter(former_slugs__slug=self.kwargs["slug"]).first()
            if moved is None:
                raise
            return redirect(moved, permanent=True)


class ReviewDetailView(RedirectsFormerSlugs, DetailView):
    """A published review; editors (who may view reviews in the admin) may also preview
    drafts and scheduled reviews. Moderators are staff too, but not editors. Everyone
    else is given the review's article as kept rendered (``fragments.readers_article``)."""

    template_name = "reviews/review_detail.html"
    context_object_name = "review"

    def get(self, request, *args, **kwargs):
        found = None if self.previews() else readers_article(request, self.kwargs["slug"])
        if found is None:
            return super().get(request, *args, **kwargs)
        self.object, article = found
        return self.render_to_response(self.get_context_data(article=article))

    def previews(self):
        return self.request.user.has_perm("reviews.view_review")

    def get_queryset(self):
        reviews = Review.objects.all() if self.previews() else Review.objects.published()
        return reviews.for_page()

    def get_context_data(self, **kwargs):
        if "article" not in kwargs:
            kwargs.update(review_page_context(self.object, self.request))
        return super().get_context_data(**kwargs)


class FilmListView(SeeksPages, ListView):
    template_name = "reviews/film_list.html"
    context_object_name = "films"
    paginate_by = 30
    paginator_class = FilmsPaginator
    # A film's title moves it in the list.
    listing_keys = (*LISTING_KEYS, keys.catalogue())

    def listing_name(self):
        return "films"

    def get_queryset(self):
        return Film.objects.reviewed().with_directors().order_by("title", "year", "pk")

    def get_context_data(self, **kwargs):
        shows_listing()
        context = super().get_context_data(**kwargs)
        films = context["object_list"]
        add_review_summaries(films)
        shows_films(films)  # with its directors, and the reviews behind its average:
        depend_on(*(keys.film_details(film.pk) for film in films))
        depend_on(*(keys.film_reviews(film.pk) for film in films))
        return context


class FilmDetailView(RedirectsFormerSlugs, DetailView):
    template_name = "reviews/film_detail.html"
    context_object_name = "film"
    queryset = Film.objects.prefetch_related(
        "tags", Prefetch("credits", queryset=Credit.objects.select_related("person"))
    )

    def get_context_data(self, **kwargs):
        depend_on(keys.tags(), *keys.all_about_film(self.object.pk))
        expires_at(self.object.reviews.next_publication_time)
        average, count = self.object.rating_summary()
        return super().get_context_data(
            reviews=self.object.reviews.published().select_related("critic"),
            rating_average=average,
            rating_count=count,
            related_films_html=related_films_html(self.object),
            **kwargs,
        )


class PersonDetailView(DetailView):
    template_name = "reviews/person_detail.html"
    context_object_name = "person"
    model = Person

    def get_context_data(self, **kwargs):
        depend_on(keys.person(self.object.pk))
        credits = self.object.credits.select_related("film").order_by("-film__year", "film__title")
        roles = group_by_role(credits)
        shows_films(credit.film for _, role_credits in roles for credit in role_credits)
        return super().get_context_data(roles=roles, **kwargs)


class CriticDetailView(ReviewsPageByPage, ListView):
    """A critic, with their bio, photo and links, and their published reviews page by page."""

    template_name = "reviews/critic_detail.html"
    context_object_name = "reviews"
    paginate_by = 12

    def listing_name(self):
        return f"critic:{self.critic.pk}"

    @property
    def listing_keys(self):
        # A review of theirs published, moved or given to another critic renews the first.
        return (keys.critic(self.critic.pk), keys.published_list())

    def get_queryset(self):
        critics = Critic.objects.prefetch_related("links")
        self.critic = get_object_or_404(critics, slug=self.kwargs["slug"])
        return self.critic.reviews.published().for_listing()

    def get_context_data(self, **kwargs):
        shows_critic(self.critic)
        return super().get_context_data(critic=self.critic, **kwargs)


class CriticListView(ListView):
    """The critics whose reviews readers can see, by name, each with how many."""

    template_name = "reviews/critic_list.html"
    context_object_name = "critics"
    paginate_by = 100

    def get_queryset(self):
        return Critic.objects.with_published_reviews()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shows_listing()  # who has a review published, and how many
        depend_on(*(keys.critic(critic.pk) for critic in context["object_list"]))
        return context


class TagDetailView(ReviewsPageByPage, ListView):
    """A tag's reviews (tagged themselves or through their film), page by page, and the
    films most recently given the tag."""

    template_name = "reviews/tag_detail.html"
    context_object_name = "reviews"
    paginate_by = 12
    films_shown = 24

    def listing_name(self):
        return f"tag:{self.tag.pk}"

    def get_queryset(self):
        tags = Tag.objects.annotate(
            film_count=Coalesce("usage__film_count", 0), item_count=F("usage__item_count")
        )
        self.tag = get_object_or_404(tags, slug=self.kwargs["slug"])
        many = is_common_tag(self.tag)
        return Review.objects.published().tagged(self.tag, many=many).for_listing()

    def get_context_data(self, **kwargs):
        shows_listing()
        # Only what the links show: a whole film's record is read for nothing.
        films = newest_tagged_films(self.tag, self.films_shown)
        shows_films(films)
        return super().get_context_data(
            tag=self.tag,
            films=films,
            more_films=max(self.tag.film_count - len(films), 0),
            **kwargs,
        )


class TagListView(ListView):
    template_name = "reviews/tag_list.html"
    context_object_name = "tags"
    paginate_by = 200

    def get_queryset(self):
        depend_on(keys.tags())
        return tags_with_counts().order_by("name")


def search_page_address(request):
    """The search page a request is for: its query as searched, and its page."""
    query = normalise_query(request.GET.get("q", ""))
    return f"{request.path}?{urlencode({'q': query, 'page': request.GET.get('page', '1')})}"


class SearchView(ListView):
    """Films, people and published reviews matching ``?q=``, each best first. Reviews come
    page by page (``?page=`` out of range is a 404); films and people head the first page."""

    template_name = "reviews/search.html"
    context_object_name = "results"
    paginate_by = 10

    def get_queryset(self):
        self.results = search_reviews(self.request.GET.get("q", ""))
        return self.results

    def get_context_data(self, **kwargs):
        depend_on(keys.catalogue())
        expires_at(lambda: timezone.now() + timedelta(seconds=settings.SEARCH_CACHE_SECONDS))
        context = super().get_context_data(search_query=self.results.query, **kwargs)
        if context["page_obj"].number == 1:
            context.update(films=self.results.films(), people=self.results.people())
        return context
