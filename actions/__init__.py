"""Rasa SDK action server package. rasa_sdk imports every sub-module and registers its actions."""
