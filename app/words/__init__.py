"""Every sentence the app says, in every language it speaks. Imports nothing of the app's."""
