"""The ``LLMDevConfig`` traitlets Configurable: every setting, its type, default and help."""

from __future__ import annotations

from dataclasses import dataclass

from traitlets import Bool, Dict, Float, Int, List, Unicode
from traitlets.config import Configurable

from .display import mask_url

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PROVIDER",
    "LLMDevConfig",
    "MAX_REVIEWERS",
    "ROLE_KEYS",
    "ROLES",
    "SCALAR_KEYS",
    "TABLE_KEYS",
    "Provider",
]

#: the provider every model without a ``NAME:`` prefix goes to; always defined
DEFAULT_PROVIDER = "openai"

#: cheap, fast and served by OpenAI and most OpenAI-compatible gateways; set your own
DEFAULT_MODEL = "gpt-4o-mini"

#: the roles that have one model each, and the setting that holds it
ROLE_KEYS = {
    "architect": "architect_model",
    "developer": "developer_model",
    "ask": "ask_model",
}
ROLES = tuple(ROLE_KEYS)

MAX_REVIEWERS = 3

#: the settings that are tables of tables, each entry with its own source
TABLE_KEYS = ("providers", "prices")

#: every setting but the tables, in the order ``llmdev config`` shows them
SCALAR_KEYS = (
    "default_model",
    "architect_model",
    "developer_model",
    "ask_model",
    "reviewer_models",
    "doc_path",
    "context_budget",
    "context_cells",
    "prose_as_markdown",
    "max_output_tokens",
    "context_window",
    "connect_timeout",
    "first_token_timeout",
    "between_tokens_timeout",
    "total_timeout",
    "request_timeout",
    "retries",
    "max_retry_wait",
)


@dataclass(frozen=True)
class Provider:
    """An OpenAI-compatible endpoint: where it is and which variable holds its key."""

    name: str
    #: ``None``: the openai client's default (api.openai.com)
    base_url: str | None
    #: name of the environment variable with the key; ``""``: the server needs no key
    api_key_env: str

    def __repr__(self) -> str:
        # a base URL may carry credentials; reprs end up in logs
        shown = mask_url(self.base_url) if self.base_url else None
        return f"Provider(name={self.name!r}, base_url={shown!r}, api_key_env={self.api_key_env!r})"


class LLMDevConfig(Configurable):
    """Settings of jupyter-llmdev, shared by the kernel magics, the server extension and the CLI.

    Set them as ``c.LLMDevConfig.<name>`` in a Jupyter config file (``jupyter_config.py``,
    ``jupyter_server_config.py``: the server, the CLI and the kernel read them; a kernel also
    its own IPython config and ``%config``), in
    ``[tool.llmdev]`` of the project's pyproject.toml, with ``LLMDEV_*`` environment
    variables or with command flags; later sources win, in that order. Use
    :func:`jupyter_llmdev.config.load_config` to read the merged result.
    """

    providers = Dict(
        value_trait=Dict(),
        default_value={},
        config=True,
        help=(
            "OpenAI-compatible endpoints by name: {NAME: {'base_url': URL, 'api_key_env': VAR}}. "
            "A model written 'NAME:model' is sent to provider NAME; any other model goes to "
            "the built-in 'openai' provider (base_url from OPENAI_BASE_URL, else api.openai.com; "
            "key from OPENAI_API_KEY). base_url is required for every provider but 'openai'. "
            "api_key_env names the environment variable that holds the key (default: "
            "NAME_API_KEY in capitals; '' for servers that need no key); the key itself is "
            "never written in configuration. In pyproject.toml: [tool.llmdev.providers.NAME]."
        ),
    )
    prices = Dict(
        value_trait=Dict(),
        default_value={},
        config=True,
        help=(
            "Prices of models, used by 'log --usage' to show what the recorded tokens cost: "
            "{MODEL: {'prompt': P, 'completion': C, 'cached': K}} in money (any currency) per "
            "million tokens. MODEL is 'PROVIDER:model' or just 'model' (then it applies at any "
            "provider; 'PROVIDER:model' wins when both are given). prompt and completion are "
            "required; cached, the price of prompt tokens the provider served from its cache, "
            "defaults to prompt. Numbers must be 0 or more. Each model's entry comes whole "
            "from the last source that sets it. In pyproject.toml, a table per model: "
            '[tool.llmdev.prices."gpt-4o"] with the lines prompt = 2.5, completion = 10.0 '
            "and cached = 1.25 (quote names with dots or colons)."
        ),
    )
    default_model = Unicode(
        DEFAULT_MODEL,
        config=True,
        help=(
            "Model used by every role that has no model of its own, written 'model' or "
            "'PROVIDER:model'. The default, gpt-4o-mini, is cheap and widely served; set the "
            "one your endpoint offers. The environment variable LLMDEV_MODEL (or the flag "
            "--model) replaces it and every role's model at once, reviewers included "
            "(then one reviewer, that model)."
        ),
    )
    architect_model = Unicode(
        "",
        config=True,
        help=(
            "Model of the architect, who discusses and writes plans (a strong model). "
            "'' uses default_model. In pyproject.toml: [tool.llmdev.models] architect."
        ),
    )
    developer_model = Unicode(
        "",
        config=True,
        help=(
            "Model of the developer, who implements approved plans as cells (a cheaper "
            "model). '' uses default_model. In pyproject.toml: [tool.llmdev.models] developer."
        ),
    )
    ask_model = Unicode(
        "",
        config=True,
        help=(
            "Model answering one-off requests (%llm PROMPT, ask). '' uses default_model. "
            "In pyproject.toml: [tool.llmdev.models] ask."
        ),
    )
    reviewer_models = List(
        Unicode(),
        default_value=[],
        config=True,
        help=(
            "Up to 3 models that review a change concurrently, ideally from other providers "
            "than the developer's. Empty: one review by default_model. In pyproject.toml: "
            "[tool.llmdev.models] reviewers = ['PROVIDER:model', ...]."
        ),
    )
    doc_path = Unicode(
        "",
        config=True,
        help=(
            "Architecture document sent with every request and updated by the architect. "
            "'' uses the nearest ARCHITECTURE.md found walking up from the notebook's "
            "folder. A relative path in pyproject.toml is relative to that file's folder; "
            "elsewhere relative to the notebook's (or the current) folder."
        ),
    )
    context_budget = Int(
        12000,
        config=True,
        help=(
            "Tokens of notebook context (cells, outputs, variables) sent with a request, "
            "nearest cells first; what does not fit is left out and reported. Env: "
            "LLMDEV_CONTEXT_BUDGET."
        ),
    )
    max_output_tokens = Int(
        4096,
        config=True,
        help="Most tokens a model may write in one reply. Env: LLMDEV_MAX_OUTPUT_TOKENS.",
    )
    context_window = Int(
        0,
        config=True,
        help=(
            "Tokens a model accepts, prompt and reply together. A prompt that cannot fit is "
            "refused before it is sent, with the numbers. 0 asks the server once per process "
            "(GET /v1/models: max_model_len, context_length; llama.cpp's GET /props: n_ctx) "
            "and sends unchecked when it does not say. Applies to every model. "
            "Env: LLMDEV_CONTEXT_WINDOW."
        ),
    )
    connect_timeout = Float(
        10.0,
        config=True,
        help="Seconds to open a connection to the model's server. Env: LLMDEV_CONNECT_TIMEOUT.",
    )
    first_token_timeout = Float(
        60.0,
        config=True,
        help=(
            "Seconds from sending a request to the first token of its reply (each attempt); "
            "bytes without tokens, such as llama.cpp's ': ping' while a request is queued, do "
            "not extend it. Raise it for busy or slow local servers that read long prompts. "
            "Env: LLMDEV_FIRST_TOKEN_TIMEOUT, or its short form LLMDEV_TIMEOUT."
        ),
    )
    between_tokens_timeout = Float(
        60.0,
        config=True,
        help=(
            "Seconds between two tokens once a reply has started. "
            "Env: LLMDEV_BETWEEN_TOKENS_TIMEOUT."
        ),
    )
    total_timeout = Float(
        600.0,
        config=True,
        help=(
            "Seconds a whole request may take, every attempt and retry wait included. "
            "Env: LLMDEV_TOTAL_TIMEOUT."
        ),
    )
    request_timeout = Float(
        60.0,
        config=True,
        help=(
            "The old name of connect_timeout and between_tokens_timeout together: when it is "
            "set, it is used for whichever of the two is not set itself. "
            "Env: LLMDEV_REQUEST_TIMEOUT."
        ),
    )
    max_retry_wait = Float(
        30.0,
        config=True,
        help=(
            "Most seconds one request spends waiting for retries, all retries together (a "
            "countdown shows each wait); a retry that would wait longer is not made. "
            "Env: LLMDEV_MAX_RETRY_WAIT."
        ),
    )
    retries = Int(
        3,
        config=True,
        help=(
            "Retries after a rate limit (429), a server error (5xx) or a dropped "
            "connection before the request fails; 0 never retries. Env: LLMDEV_RETRIES."
        ),
    )
    prose_as_markdown = Bool(
        True,
        config=True,
        help=(
            "Insert the prose of a reply (text outside code blocks) as markdown cells; False "
            "only shows it, as the flag --no-markdown does for one request. "
            "Env: LLMDEV_PROSE_AS_MARKDOWN (true/false)."
        ),
    )
    context_cells = Int(
        0,
        config=True,
        help=(
            "Most notebook cells sent as context besides the target cell, nearest first; 0 means "
            "no limit besides context_budget. Env: LLMDEV_CONTEXT_CELLS."
        ),
    )
