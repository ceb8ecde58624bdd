from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("match/", views.match, name="match"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("dictionary/<int:pk>/remove/", views.dictionary_remove, name="dictionary_remove"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/remove/", views.synonyms_remove, name="synonyms_remove"),
]
