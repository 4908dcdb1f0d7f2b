"""The one command grammar shared by magics, slash commands and the CLI."""

import pytest

from jupyter_llmdev.commands import COMMANDS, parse_command, usage
from jupyter_llmdev.errors import CommandError


def test_plain_text_is_an_ask_prompt_kept_verbatim():
    command = parse_command("  plot the losses, don't smooth them ")
    assert command.name == "ask"
    assert command.text == "plot the losses, don't smooth them"
    assert command.flags == {}


def test_known_first_word_is_the_command():
    assert parse_command("log").name == "log"
    assert parse_command("/diff abc123").name == "diff"
    assert parse_command("/diff abc123").text == "abc123"


def test_ask_word_lets_a_prompt_start_with_a_command_name():
    command = parse_command("ask log every request to a file")
    assert command.name == "ask"
    assert command.text == "log every request to a file"


def test_flags_are_read_from_the_front_only():
    command = parse_command("--replace --model local:qwen write --replace handling")
    assert command.flags == {"replace": True, "model": "local:qwen"}
    assert command.text == "write --replace handling"


def test_switch_with_value_and_equals_form():
    command = parse_command("ask --replace=cell-7 --after=abc tidy this")
    assert command.flags == {"replace": "cell-7", "after": "abc"}


def test_cell_body_joins_the_line_text():
    command = parse_command("--dry-run", body="write a loader\nfor CSV files\n")
    assert command.flags == {"dry-run": True}
    assert command.text == "write a loader\nfor CSV files"
    command = parse_command("use pandas", body="read data.csv")
    assert command.text == "use pandas\nread data.csv"


@pytest.mark.parametrize(
    "line, message",
    [
        ("--bogus do it", "Unknown flag --bogus"),
        ("--model", "--model needs a value"),
        ("ask", "needs a prompt"),
        ("log something", "takes no text"),
        ("--replace", "needs a prompt"),
    ],
)
def test_bad_lines_say_what_is_wrong_and_show_usage(line, message):
    with pytest.raises(CommandError) as info:
        parse_command(line)
    assert message in str(info.value)
    assert "Usage: %llm" in str(info.value)


def test_usage_lists_every_command_and_marks_unbuilt_ones():
    text = usage()
    for name, spec in COMMANDS.items():
        assert name in text
        if not spec.available:
            assert f"{spec.summary}  (not built yet)" in text
    assert usage("ask").startswith("%llm ask [--replace] [--after VALUE]")
