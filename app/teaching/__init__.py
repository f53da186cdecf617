"""The teaching views over the engine's graph and numbers: narration, quiz mode, local Jacobians, Nielsen's layers,
the gradient check, training and the playground. They import the engine and the words, never the server."""
