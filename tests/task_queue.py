"""A task queue that keeps what is enqueued, as the database backend does, for tests that
look at what waits before a worker runs it (the tests otherwise run tasks at once)."""

from django_tasks import default_task_backend
from django_tasks.base import TaskContext

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class TaskQueue:
    """``settings.TASKS = DUMMY_TASKS`` first. ``run()`` does every task waiting, and those
    they enqueue, as a worker would (run_after aside), and returns how many it ran."""

    def waiting(self, task=None):
        return [
            result
            for result in default_task_backend.results
            if not result.is_finished and (task is None or result.task.func is task.func)
        ]

    def run_next(self):
        """Do the first task waiting, whatever its time; returns it."""
        result = self.waiting()[0]
        default_task_backend.results.remove(result)
        call(result)
        return result

    def run(self):
        ran = 0
        while waiting := self.waiting():
            for result in waiting:
                default_task_backend.results.remove(result)
                call(result)
                ran += 1
        return ran


def call(result):
    """Run the task of this result, as a worker does."""
    if result.task.takes_context:
        return result.task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
    return result.task.call(*result.args, **result.kwargs)
