from django.urls import path

from . import views

app_name = "narratives"

ITEM = "pillars/<id:number>/items/<id:item_number>/"

urlpatterns = [
    path(ITEM, views.item_detail, name="item"),
    path(ITEM + "progress/<str:fy>/", views.progress_edit, name="progress"),
    path("kpis/<str:code>/commentary/<str:fy>/", views.commentary_edit, name="commentary"),
    path("entry/<str:fy>/narratives/", views.status_board, name="board"),
]
