from tests.factories import Api, rows


def test_create_project_and_pull(api: Api) -> None:
    alice = api.person("王伟")
    project = alice.project("增长实验")
    tid = alice.task(project["id"], "支付页改版")
    changes, revoked = alice.pull_all()
    tasks = rows(changes, "task")
    assert tasks[tid]["title"] == "支付页改版"
    assert tasks[tid]["number"] == 1
    assert len(rows(changes, "status")) == 3
    assert revoked == []
