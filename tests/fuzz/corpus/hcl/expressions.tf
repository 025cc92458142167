locals {
  a = [for i, v in ["x", "y"] : "${i}-${upper(v)}" if v != ""]
  b = { for k, v in { p = 1, q = 2 } : k => v * 2... }
  c = var.list[*].id
  d = 1 + 2 * 3 - -4 / 2 % 3 >= 2 && !false || null == null ? "t" : "f"
  e = <<-EOT
    line ${local.a[0]}
      %{ for x in local.a ~}
      ${x}
      %{~ endfor }
    EOT
  f = jsonencode({ Statement = [{ Action = "*", Resource = aws_s3_bucket.b.arn }] })
  g = try(local.missing, lookup({}, "k", "dflt"))
  h = format("%s-%03d", "x", 7)
  /* comment */ i = cidrsubnet("10.0.0.0/16", 8, 2) // tail
  j = max([1, 5, 3]...)
}
