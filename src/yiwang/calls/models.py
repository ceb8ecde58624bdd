"""共研一个题: research calls, applications, reviews, execution."""
