"""The websocket load client's protocol parts (benchmarks/load_ws.py): the BackMsg it sends and how it reads the
ForwardMsgs a page run sends back. No server, no browser: messages are built with streamlit.proto as the server
builds them."""

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.load_ws import SLIDER_LABEL, RunLog, rerun_request, slider_state


def _delta(fragment_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.delta.fragment_id = fragment_id
    return msg


def _finished(status) -> bytes:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg.SerializeToString()


def test_a_slider_move_is_a_fragment_rerun_carrying_the_new_value():
    sent = BackMsg()
    sent.ParseFromString(rerun_request("plan", "abc123", (slider_state("$$ID-x-plan_service", 95.5),), "frag1"))
    state = sent.rerun_script
    assert sent.WhichOneof("type") == "rerun_script"
    assert (state.page_name, state.page_script_hash, state.fragment_id) == ("plan", "abc123", "frag1")
    [widget] = state.widget_states.widgets
    assert widget.id == "$$ID-x-plan_service" and list(widget.double_array_value.data) == [95.5]


def test_a_page_open_asks_for_the_page_by_its_url_path_only():
    sent = BackMsg()
    sent.ParseFromString(rerun_request("customers"))
    state = sent.rerun_script
    assert (state.page_name, state.page_script_hash, state.fragment_id) == ("customers", "", "")
    assert not state.widget_states.widgets


def test_the_run_log_finds_the_slider_in_its_fragment_and_counts_errors_until_the_run_ends():
    log = RunLog()
    nav = ForwardMsg()
    page = nav.navigation.app_pages.add(page_script_hash="h-plan", url_pathname="plan")
    nav.navigation.page_script_hash = page.page_script_hash
    slider = _delta("frag1")
    s = slider.delta.new_element.slider
    s.id, s.label, s.max, s.step = "$$ID-x-plan_service", SLIDER_LABEL, 99.5, 0.5
    s.default.append(95.0)
    alert, info, crash = _delta(), _delta(), _delta()
    alert.delta.new_element.alert.body, alert.delta.new_element.alert.format = "The file is broken.", Alert.ERROR
    info.delta.new_element.alert.body, info.delta.new_element.alert.format = "Enter your stock.", Alert.INFO
    crash.delta.new_element.exception.type = "KeyError"
    for msg in (nav, slider, alert, info, crash):
        assert not log.read(msg.SerializeToString())
    assert not log.read(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))  # a rerun follows: not the end
    assert log.read(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    assert (log.page_hash, log.page_path, log.status) == ("h-plan", "plan", ForwardMsg.FINISHED_SUCCESSFULLY)
    assert log.slider == {"id": "$$ID-x-plan_service", "value": 95.0, "to": 95.5, "fragment_id": "frag1"}
    assert len(log.errors) == 2 and "The file is broken." in log.errors[0] and "KeyError" in log.errors[1]


def test_a_page_not_found_is_an_error():
    log = RunLog()
    msg = ForwardMsg()
    msg.page_not_found.page_name = "nowhere"
    log.read(msg.SerializeToString())
    assert log.errors == ["page not found: 'nowhere'"]
