"""API usage counters and a cost estimate from the (user-adjustable) price table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .settings import BackendSettings

__all__ = ["Usage"]


def _field(obj: Any, name: str) -> int:
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, int) else 0


@dataclass
class Usage:
    """Tokens and images, summed over calls. Servers that report no usage add zeros."""

    caption_requests: int = 0
    caption_input_tokens: int = 0
    caption_output_tokens: int = 0
    images: int = 0
    image_text_input_tokens: int = 0
    image_image_input_tokens: int = 0
    image_output_tokens: int = 0
    #: calls whose response carried no usage (cost is then an underestimate)
    unreported: int = 0

    def add_chat(self, usage: Any) -> None:
        self.caption_requests += 1
        if usage is None:
            self.unreported += 1
        self.caption_input_tokens += _field(usage, "prompt_tokens")
        self.caption_output_tokens += _field(usage, "completion_tokens")

    def add_images(self, usage: Any, count: int) -> None:
        self.images += count
        if usage is None:
            self.unreported += 1
            return
        details = getattr(usage, "input_tokens_details", None)
        if details is not None:
            self.image_text_input_tokens += _field(details, "text_tokens")
            self.image_image_input_tokens += _field(details, "image_tokens")
        else:
            self.image_text_input_tokens += _field(usage, "input_tokens")
        self.image_output_tokens += _field(usage, "output_tokens")

    @property
    def tokens(self) -> int:
        return (self.caption_input_tokens + self.caption_output_tokens
                + self.image_text_input_tokens + self.image_image_input_tokens
                + self.image_output_tokens)

    def estimated_cost(self, settings: BackendSettings) -> float | None:
        """USD, from ``settings.prices``; ``None`` if a model in use has no price."""
        total = 0.0
        if self.caption_requests:
            price = settings.prices.get(settings.caption_model)
            if price is None:
                return None
            # the caption input mixes text and image tokens; chat models price them alike
            total += (self.caption_input_tokens * price.text_input
                      + self.caption_output_tokens * price.text_output) / 1e6
        if self.images:
            price = settings.prices.get(settings.image_model)
            if price is None:
                return None
            total += (self.image_text_input_tokens * price.text_input
                      + self.image_image_input_tokens * price.image_input
                      + self.image_output_tokens * price.image_output) / 1e6
        return total

    def summary(self, settings: BackendSettings) -> str:
        cost = self.estimated_cost(settings)
        cost_text = "n/a (no price for the model)" if cost is None else f"~${cost:.4f} (estimate)"
        note = f", {self.unreported} call(s) without usage" if self.unreported else ""
        return (f"{self.caption_requests} caption call(s), {self.images} image(s), "
                f"{self.tokens} tokens{note}; cost {cost_text}")
