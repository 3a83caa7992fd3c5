"""What every app shares: errors, input types, client address, rate limits, pagination,
middleware, admin mixins. It imports none of the apps."""
