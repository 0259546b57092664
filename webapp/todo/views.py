"""Task views: thin; they validate, call services and render fragments or redirect.

Every mutation works three ways: an htmx request gets HTML fragments, a JSON request
(Accept: application/json) gets JSON, a plain form post (no JavaScript) gets a redirect.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.task_events import Task
from task_fragments.fragments import render_task
from webapp.preferences.store import load_preferences
from webapp.todo import forms
from webapp.todo.services import Outcome, apply_change, load_task_list
from webapp.todo.tasklist import Change, TaskList, TaskNotFound, TooManyTasks, VersionConflict
from webapp.typed_request import HtmxHttpRequest, signed_in_id

FILTERS = ("all", "active", "completed")
View = Callable[..., Coroutine[Any, Any, HttpResponse]]


class TaskRequest(HtmxHttpRequest):
    """The request of a view behind task_errors, which sets these two."""

    owner: int
    time_zone: str


class InvalidForm(Exception):
    def __init__(self, form: forms.TaskForm) -> None:
        super().__init__("invalid task")
        self.form = form


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def request_data(request: HttpRequest) -> QueryDict | dict[str, Any]:
    """Form fields, or the object of a JSON body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise forms.BadRequest("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise forms.BadRequest("The JSON body must be an object.")
        return forms.check_json_types(data)
    return request.POST


def error(
    request: HtmxHttpRequest, status: int, message: str, task: Task | None = None
) -> HttpResponse:
    if wants_json(request):
        body: dict[str, Any] = {"error": message}
        if task is not None:
            body["current"] = task.to_dict()
        return JsonResponse(body, status=status)
    if task is not None and request.htmx:
        # Only task_errors passes a task, and its request is a TaskRequest.
        time_zone = cast(TaskRequest, request).time_zone
        return HttpResponse(
            render_task(task, time_zone, message=message, request=request), status=status
        )
    return HttpResponse(render_to_string("todo/_error.html", {"message": message}), status=status)


STORAGE_UNAVAILABLE = "Task storage is unavailable right now; try again."


def task_errors(view: View) -> View:
    """Turns every error a user can cause into a 4xx with a message (a storage outage is
    webapp.todo.outage's to answer: 503)."""

    @functools.wraps(view)
    async def guarded(request: TaskRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = await request.auser()
            # Templates read request.user; resolved here it needs no sync DB call later.
            request.user = user
            request.owner = signed_in_id(user)
            preferences, _ = await load_preferences(request.owner)
            request.time_zone = preferences.time_zone
            return await view(request, *args, **kwargs)
        except forms.BadRequest as bad:
            return error(request, 400, str(bad))
        except TaskNotFound:
            return error(request, 404, "No such task (it may have been deleted in another tab).")
        except VersionConflict as conflict:
            return error(
                request,
                409,
                "This task was changed elsewhere; this is the current version. "
                "Your change was not applied.",
                conflict.current,
            )
        except TooManyTasks as full:
            return error(request, 422, str(full))
        except InvalidForm as invalid:
            messages = "; ".join(
                f"{field}: {' '.join(map(str, errs))}"
                for field, errs in invalid.form.errors.items()
            )
            return error(request, 422, messages)

    return guarded


def respond(request: TaskRequest, outcome: Outcome, status: int = 200) -> HttpResponse:
    if wants_json(request):
        body = {"event": outcome.event_type, "replayed": outcome.replayed}
        body["task"] = outcome.task.to_dict() if outcome.task else None
        return JsonResponse(body, status=status)
    if request.htmx:
        html = render_task(outcome.task, request.time_zone, request=request) if outcome.task else ""
        return HttpResponse(html, status=200)
    return back_to_list(request)


def back_to_list(request: HttpRequest) -> HttpResponse:
    """After a plain form post: 303 See Other back to the list, keeping the filter."""
    current_filter = request.GET.get("filter", "all")
    if current_filter not in FILTERS:
        current_filter = "all"
    response = HttpResponseRedirect(f"{reverse('home')}?filter={current_filter}")
    response.status_code = 303
    return response


@require_GET
@login_required
@task_errors
async def home(request: TaskRequest) -> HttpResponse:
    current_filter = request.GET.get("filter", "all")
    if current_filter not in FILTERS:
        raise forms.BadRequest(f"filter must be one of {', '.join(FILTERS)}.")
    task_list = await load_task_list(request.owner)
    return render(request, "todo/tasks.html", page_context(request, task_list, current_filter))


def page_context(request: TaskRequest, task_list: TaskList, current_filter: str) -> dict[str, Any]:
    return {
        "tasks": task_list.ordered(),
        "counts": task_list.counts(),
        "filter": current_filter,
        "filters": FILTERS,
        "time_zone": request.time_zone,
        "form": forms.TaskForm(time_zone=request.time_zone),
        "sync_websocket_url": settings.SYNC_WEBSOCKET_URL,
    }


@require_POST
@login_required
@task_errors
async def task_create(request: TaskRequest) -> HttpResponse:
    data = request_data(request)
    key = forms.idempotency_key(data, request.headers)
    form = forms.TaskForm(data, time_zone=request.time_zone)
    if not form.is_valid():
        raise InvalidForm(form)
    fields, tz = form.task_fields(), request.time_zone
    outcome = await apply_change(request.owner, key, lambda tl: tl.create(fields, tz))
    return respond(request, outcome, status=201)


@require_http_methods(["GET", "POST"])
@login_required
@task_errors
async def task_edit(request: TaskRequest, task_id: str) -> HttpResponse:
    if request.method == "GET":
        task = (await load_task_list(request.owner)).get(task_id)
        form = forms.TaskForm(
            initial=edit_initial(task, request.time_zone), time_zone=request.time_zone
        )
        context = {"task": task, "form": form, "time_zone": request.time_zone}
        template = "todo/_task_edit.html" if request.htmx else "todo/task_edit_page.html"
        return render(request, template, context)
    data = request_data(request)
    key, version = forms.idempotency_key(data, request.headers), forms.expected_version(data)
    form = forms.TaskForm(data, time_zone=request.time_zone)
    if not form.is_valid():
        raise InvalidForm(form)
    fields, tz = form.task_fields(), request.time_zone
    outcome = await apply_change(
        request.owner, key, lambda tl: tl.update(task_id, version, fields, tz)
    )
    return respond(request, outcome)


def edit_initial(task: Task, time_zone: str) -> dict[str, Any]:
    from task_fragments.templatetags.task_fragments import local_time

    due = local_time(task.due, time_zone)
    return {
        "title": task.title,
        "notes": task.notes,
        "priority": task.priority,
        "due": due.strftime("%Y-%m-%dT%H:%M") if due else None,
    }


@require_POST
@login_required
@task_errors
async def task_complete(request: TaskRequest, task_id: str) -> HttpResponse:
    return await _set_completed(request, task_id, completed=True)


@require_POST
@login_required
@task_errors
async def task_reopen(request: TaskRequest, task_id: str) -> HttpResponse:
    return await _set_completed(request, task_id, completed=False)


async def _set_completed(request: TaskRequest, task_id: str, completed: bool) -> HttpResponse:
    return await _change_task(
        request,
        lambda tl, version, _data: tl.set_completed(task_id, version, completed, request.time_zone),
    )


@require_POST
@login_required
@task_errors
async def task_delete(request: TaskRequest, task_id: str) -> HttpResponse:
    return await _change_task(
        request, lambda tl, version, _data: tl.delete(task_id, version, request.time_zone)
    )


@require_POST
@login_required
@task_errors
async def task_move(request: TaskRequest, task_id: str) -> HttpResponse:
    return await _change_task(
        request,
        lambda tl, version, data: tl.move(
            task_id, version, forms.direction(data), request.time_zone
        ),
        action="task.moved",
    )


async def _change_task(
    request: TaskRequest, mutate: Callable[[TaskList, int, Any], Change], action: str | None = None
) -> HttpResponse:
    """A change of one existing task: needs the version read and an idempotency key."""
    data = request_data(request)
    key, version = forms.idempotency_key(data, request.headers), forms.expected_version(data)
    outcome = await apply_change(
        request.owner, key, lambda tl: mutate(tl, version, data), action=action
    )
    return respond(request, outcome)


@require_POST
@login_required
@task_errors
async def clear_completed(request: TaskRequest) -> HttpResponse:
    """Deletes every completed task, one change (and one event) each."""
    owner, tz = request.owner, request.time_zone
    task_list = await load_task_list(owner)
    cleared = 0
    for task in [t for t in task_list.ordered() if t.completed]:
        try:
            await apply_change(
                owner,
                f"clear-{task.id}-{task.version}",
                functools.partial(
                    TaskList.delete, task_id=task.id, expected_version=task.version, time_zone=tz
                ),
                action="task.cleared",
            )
            cleared += 1
        except (TaskNotFound, VersionConflict):
            continue  # deleted or reopened in another tab meanwhile: leave it
    if wants_json(request):
        return JsonResponse({"cleared": cleared})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return back_to_list(request)
